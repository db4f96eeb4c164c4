{{ omnireport.reader_model('rpt_agent_working_time') }}
