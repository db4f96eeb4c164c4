{{ omnireport.validated_rows('tag_events') }}
