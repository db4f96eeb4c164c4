{{ omnireport.latest_good_versions('contacts') }}
