{{ config(alias='users') }}

{{ omnireport.quarantine_rows('users') }}
