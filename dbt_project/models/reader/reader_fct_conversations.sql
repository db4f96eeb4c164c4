{{ omnireport.reader_model('fct_conversations') }}
