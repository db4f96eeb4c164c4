{{ omnireport.validated_rows('messages') }}
