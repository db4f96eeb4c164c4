{{ config(alias='user_groups') }}

{{ omnireport.quarantine_rows('user_groups') }}
