{{ omnireport.reader_model('dim_tags') }}
