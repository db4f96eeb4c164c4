{{ omnireport.validated_rows('tags') }}
