{{ omnireport.latest_good_versions('users') }}
