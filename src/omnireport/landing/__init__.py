"""Landing files into the raw schema: discovery, reading, idempotent loading."""
