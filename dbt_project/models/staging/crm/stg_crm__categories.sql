{{ omnireport.latest_good_versions('categories') }}
