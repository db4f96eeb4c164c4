{{ omnireport.validated_rows('contacts') }}
