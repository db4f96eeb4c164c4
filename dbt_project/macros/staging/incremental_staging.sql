{#- Staging is incremental: a run validates only the raw rows loaded since the
    last one, and deduplicates only the keys those rows carry.

    base_crm__<table>_validated is an append-only table of every raw row with its `_reason`.
    Its watermark is its own highest `_load_id`: raw rows arrive in whole files with
    increasing load ids under the one-writer guard, so every raw row at or below it has
    been validated, and every row above it has not.

    stg_crm__<table> holds the winning version of each key (deduplicate_latest). A run
    recomputes the winner of every key that has a validated version newer than the table's
    own highest `_load_id`, and replaces those keys (replace_keys.sql). That
    watermark can only lag behind what was processed (the newest file's rows may all have
    lost or been quarantined), so a run may recompute a few keys again, never miss one.

    Neither depends on the state of the last build (raw._build_state): their watermarks are
    their own tables. -#}

{#- `where` clause of a base model's raw rows: only those loaded since the last run. -#}
{% macro staging_new_raw_rows() -%}
    {%- if omnireport.incremental_run() -%}
    where _load_id > {{ omnireport.staging_watermark() }}
    {%- endif -%}
{%- endmacro %}

{#- The highest `_load_id` in the model's own table (-1 when empty). -#}
{% macro staging_watermark() -%}
    (select coalesce(max(_load_id), -1) from {{ this }})
{%- endmacro %}

{#- `and` clause of a stg model's validated rows (named `rows_alias`): only the keys with a
    version newer than the stg table's watermark, compared null-safe (replace_keys.sql). -#}
{% macro staging_changed_keys(base_model, key_columns, rows_alias) -%}
    {%- if omnireport.incremental_run() -%}
    and {{ adapter.dispatch('staging_changed_keys_predicate', 'omnireport')(base_model, key_columns, rows_alias) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__staging_changed_keys_predicate(base_model, key_columns, rows_alias) -%}
    {{ omnireport.has_key_with_new_versions(base_model, key_columns, rows_alias, omnireport.staging_watermark()) }}
{%- endmacro %}

{#- Spark replaces whole buckets of keys (macros/spark/incremental_materialization.sql):
    every key in a bucket that a new version touches. -#}
{% macro spark__staging_changed_keys_predicate(base_model, key_columns, rows_alias) -%}
    {%- set partition = omnireport.spark_partition_expression(key_columns) -%}
    {{ partition.replace('{rows}', rows_alias) }} in (
        select {{ partition.replace('{rows}', 'changed_keys') }}
        from (
            {{ omnireport.keys_with_new_versions(base_model, key_columns, omnireport.staging_watermark()) }}
        ) as changed_keys
    )
{%- endmacro %}
