{{ omnireport.reader_model('rpt_user_stats') }}
