{{ omnireport.validated_rows('user_groups') }}
