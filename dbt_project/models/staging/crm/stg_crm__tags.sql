{{ omnireport.latest_good_versions('tags') }}
