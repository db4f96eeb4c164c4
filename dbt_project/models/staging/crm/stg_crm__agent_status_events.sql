{{ omnireport.latest_good_versions('agent_status_events') }}
