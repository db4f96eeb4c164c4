{{ omnireport.latest_good_versions('holidays') }}
