{{ omnireport.reader_model('rpt_reply_stats') }}
