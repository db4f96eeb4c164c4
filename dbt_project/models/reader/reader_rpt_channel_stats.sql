{{ omnireport.reader_model('rpt_channel_stats') }}
