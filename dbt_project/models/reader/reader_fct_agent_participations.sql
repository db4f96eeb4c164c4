{{ omnireport.reader_model('fct_agent_participations') }}
