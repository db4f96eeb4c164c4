{{ omnireport.validated_rows('users') }}
