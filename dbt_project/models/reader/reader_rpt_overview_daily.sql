{{ omnireport.reader_model('rpt_overview_daily') }}
