{{ omnireport.validated_rows('channel_schedules') }}
