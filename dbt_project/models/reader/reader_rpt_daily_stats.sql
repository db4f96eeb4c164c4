{{ omnireport.reader_model('rpt_daily_stats') }}
