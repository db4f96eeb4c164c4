{{ omnireport.reader_model('rpt_hourly_stats') }}
