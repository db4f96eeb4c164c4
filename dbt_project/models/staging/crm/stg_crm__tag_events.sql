{{ omnireport.latest_good_versions('tag_events') }}
