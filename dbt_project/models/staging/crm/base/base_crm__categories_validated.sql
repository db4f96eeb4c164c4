{{ omnireport.validated_rows('categories') }}
