"""dbt arguments the tests share."""

# `dbt build` of the seeds and models only: the lookup seeds (iana_time_zones) come along,
# which `dbt run` would leave out; no data tests, no unit tests.
MODELS_ONLY = ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
