{{ config(alias='tags') }}

{{ omnireport.quarantine_rows('tags') }}
