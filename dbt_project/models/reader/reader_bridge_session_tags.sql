{{ omnireport.reader_model('bridge_session_tags') }}
