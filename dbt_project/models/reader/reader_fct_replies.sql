{{ omnireport.reader_model('fct_replies') }}
