{{ omnireport.validated_rows('agent_status_events') }}
