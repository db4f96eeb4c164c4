{{ omnireport.latest_good_versions('business_hours') }}
