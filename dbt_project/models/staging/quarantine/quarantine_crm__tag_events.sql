{{ config(alias='tag_events') }}

{{ omnireport.quarantine_rows('tag_events') }}
