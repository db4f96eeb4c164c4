{{ omnireport.latest_good_versions('messages') }}
