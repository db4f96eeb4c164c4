{{ omnireport.reader_model('rpt_csat_daily') }}
