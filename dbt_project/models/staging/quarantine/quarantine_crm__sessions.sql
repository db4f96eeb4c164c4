{{ config(alias='sessions') }}

{{ omnireport.quarantine_rows('sessions') }}
