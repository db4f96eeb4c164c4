{{ omnireport.reader_model('fct_sessions') }}
