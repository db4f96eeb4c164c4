{{ omnireport.latest_good_versions('sessions') }}
