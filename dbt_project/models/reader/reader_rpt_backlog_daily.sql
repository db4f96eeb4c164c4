{{ omnireport.reader_model('rpt_backlog_daily') }}
