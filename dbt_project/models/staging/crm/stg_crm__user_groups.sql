{{ omnireport.latest_good_versions('user_groups') }}
