{{ omnireport.validated_rows('business_hours') }}
