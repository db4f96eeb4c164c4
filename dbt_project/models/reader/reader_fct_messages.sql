{{ omnireport.reader_model('fct_messages') }}
