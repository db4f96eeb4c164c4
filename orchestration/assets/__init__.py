"""Asset factories: the landing load and the dbt models."""
