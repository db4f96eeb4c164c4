{{ config(alias='groups') }}

{{ omnireport.quarantine_rows('groups') }}
