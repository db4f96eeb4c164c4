{{ omnireport.latest_good_versions('groups') }}
