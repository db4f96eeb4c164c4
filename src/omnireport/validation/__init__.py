"""Great Expectations 1.x suites on pandas DataFrames, one module per suite.

- ``landing_suite``: each landing file, read in chunks, before dbt stages it.
- ``marts_suite``: the report tables (``rpt_*``) after the build.
- ``gx_runtime``: the shared plumbing (ephemeral context, rules, readable outcomes).
- ``results_store``: GX validation results kept as JSON files a user can open.

Nothing here imports Great Expectations at module import (it takes seconds): the
runtime imports it when a suite is first built.
"""
