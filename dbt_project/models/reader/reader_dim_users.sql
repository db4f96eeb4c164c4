{{ omnireport.reader_model('dim_users') }}
