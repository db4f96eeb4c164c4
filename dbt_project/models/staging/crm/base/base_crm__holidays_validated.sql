{{ omnireport.validated_rows('holidays') }}
