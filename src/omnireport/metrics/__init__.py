"""The semantic layer on the command line: ``omnireport metrics list|query``.

The metrics, dimensions and saved queries are defined once, in the dbt project
(``dbt_project/models/semantic/``, legacy MetricFlow YAML that dbt-core 1.11 reads).
MetricFlow compiles a query to DuckDB SQL from the semantic manifest (``manifest``,
``engine``), and that SQL runs on the published snapshot opened read-only (``execute``),
so a query never waits for, nor blocks, a build that holds the warehouse's writer lock.
"""
