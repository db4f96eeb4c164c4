{#- Incremental models on Spark: rebuilt in full, as tables.

    The incremental models delete, then insert (a pre-hook deletes the run's scope, then
    the recomputed rows are appended; macros/incremental/). Spark's Parquet tables have no
    DELETE, dbt-spark has no delete+insert strategy, and its `merge` needs Delta, Iceberg
    or Hudi, whose jars are not available here. So on Spark this project's `incremental`
    materialization is dbt-spark's `table` materialization: drop, then create the table
    from the model's full query. A project materialization for adapter `spark` takes
    precedence over dbt-spark's own, so no model is forked and DuckDB/PostgreSQL keep
    their incremental builds.

    The model must then have been compiled as a full build: in an incremental run its SQL
    only selects the run's scope, and a table made from that would lose every other row.
    A Spark build therefore runs with full refresh: `dbt build --full-refresh`, or, in
    dbt_project.yml under models: omnireport: (none on other targets keeps their
    incremental runs and their --full-refresh flag as they are):
        +full_refresh: "{{ (target.type == 'spark') or none }}"
    If is_incremental() is true here, the model stops with an error that says so instead
    of writing a partial table. -#}
{% materialization incremental, adapter='spark', supported_languages=['sql'] -%}
    {%- if is_incremental() -%}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ " was compiled as an incremental run, but on Spark incremental "
            ~ "models are rebuilt in full (no delete+insert or merge without Delta/Iceberg/Hudi): "
            ~ "run the Spark build with --full-refresh, or "
            ~ "set +full_refresh for the spark target in dbt_project.yml (see macros/spark/incremental_materialization.sql)."
        ) }}
    {%- endif -%}
    {{ return(materialization_table_spark()) }}
{%- endmaterialization %}
