"""omnireport: omnichannel conversation analytics warehouse."""
