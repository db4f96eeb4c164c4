"""The Dagster code location of omnireport (assembled in ``definitions.py``)."""
