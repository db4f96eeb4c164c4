{{ omnireport.validated_rows('groups') }}
