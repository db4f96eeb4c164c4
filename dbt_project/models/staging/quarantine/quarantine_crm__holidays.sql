{{ config(alias='holidays') }}

{{ omnireport.quarantine_rows('holidays') }}
