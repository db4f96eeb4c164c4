{{ config(alias='contacts') }}

{{ omnireport.quarantine_rows('contacts') }}
