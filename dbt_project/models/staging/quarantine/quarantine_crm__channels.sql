{{ config(alias='channels') }}

{{ omnireport.quarantine_rows('channels') }}
