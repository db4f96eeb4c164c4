{{ omnireport.reader_model('fct_session_measures') }}
