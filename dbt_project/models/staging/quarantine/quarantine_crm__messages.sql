{{ config(alias='messages') }}

{{ omnireport.quarantine_rows('messages') }}
