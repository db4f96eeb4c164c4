{{ config(alias='business_hours') }}

{{ omnireport.quarantine_rows('business_hours') }}
