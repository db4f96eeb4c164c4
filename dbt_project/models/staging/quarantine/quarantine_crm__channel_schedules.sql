{{ config(alias='channel_schedules') }}

{{ omnireport.quarantine_rows('channel_schedules') }}
