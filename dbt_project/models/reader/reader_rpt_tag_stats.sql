{{ omnireport.reader_model('rpt_tag_stats') }}
