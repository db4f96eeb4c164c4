{{ config(alias='agent_status_events') }}

{{ omnireport.quarantine_rows('agent_status_events') }}
