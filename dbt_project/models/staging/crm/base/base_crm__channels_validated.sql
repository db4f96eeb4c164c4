{{ omnireport.validated_rows('channels') }}
