{{ omnireport.reader_model('fct_participation_measures') }}
