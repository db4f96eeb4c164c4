{{ omnireport.latest_good_versions('channel_schedules') }}
