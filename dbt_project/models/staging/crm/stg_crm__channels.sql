{{ omnireport.latest_good_versions('channels') }}
