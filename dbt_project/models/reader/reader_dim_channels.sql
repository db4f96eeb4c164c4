{{ omnireport.reader_model('dim_channels') }}
