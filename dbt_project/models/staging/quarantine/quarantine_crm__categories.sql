{{ config(alias='categories') }}

{{ omnireport.quarantine_rows('categories') }}
