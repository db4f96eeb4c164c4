{{ omnireport.validated_rows('sessions') }}
