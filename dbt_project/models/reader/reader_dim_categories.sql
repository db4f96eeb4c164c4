{{ omnireport.reader_model('dim_categories') }}
