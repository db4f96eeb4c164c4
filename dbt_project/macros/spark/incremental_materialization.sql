{#- Incremental models on Spark: Parquet tables and partition overwrites, no Delta.

    dbt-spark's own incremental materialization accepts only its four strategies, and the
    models name this project's (replace_scope, replace_keys, append). Spark's Parquet
    tables have no DELETE, so on Spark each strategy works on whole partitions instead of
    rows, in a materialization for adapter `spark` (a project materialization takes
    precedence over the adapter's; DuckDB and PostgreSQL keep theirs):

    - replace_scope: the table is partitioned by `_partition`, the model's scope column
      when the scope is a date (started_date, event_date, reply_date, snapshot_date), else
      a bucket of it (spark_partition_expression). On Spark, in_scope admits every row of
      the partitions the scope touches (spark__in_scope), so the model computes those
      partitions whole. The run drops the touched partitions (a partition the model no
      longer fills must not keep its old rows), then writes the model's rows with
      dbt-spark's insert overwrite of dynamic partitions.
    - replace_keys (staging): partitioned by a bucket of the key; the model recomputes the
      winners of every key in the buckets its new rows touch (spark__staging_changed_keys_predicate),
      and an insert overwrite of dynamic partitions replaces those buckets. A touched
      bucket always keeps at least the key that touched it, so none needs dropping.
    - append: insert into, unpartitioned.

    `_partition` is a column of the table, the last one (Spark lists partition columns
    last): the model's own columns keep their order. A full build (or a first one)
    creates the table from the model's full query. -#}
{% materialization incremental, adapter='spark', supported_languages=['sql'] -%}
    {%- set strategy = config.get('incremental_strategy') or 'append' -%}
    {%- if strategy not in ['append', 'replace_scope', 'replace_keys'] -%}
        {{ exceptions.raise_compiler_error("Model " ~ model.name ~ ": on Spark the incremental strategy must be append, replace_scope or replace_keys, not " ~ strategy) }}
    {%- endif -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- set partition = none if strategy == 'append' else omnireport.spark_partition_expression(unique_key) -%}
    {%- set existing_relation = load_relation(this) -%}
    {%- set full_build = existing_relation is none or existing_relation.is_view or should_full_refresh() -%}

    {{ run_hooks(pre_hooks) }}

    {%- if full_build -%}
        {%- if existing_relation is not none -%}
            {%- do adapter.drop_relation(existing_relation) -%}
        {%- endif -%}
        {%- set model_sql = compiled_code -%}
        {%- if config.get('contract').enforced -%}
            {%- do get_assert_columns_equivalent(compiled_code) -%}
            {%- set model_sql = get_select_subquery(compiled_code) -%}
        {%- endif -%}
        {%- call statement('main') -%}
            create table {{ this }}
            using parquet
            {%- if partition %}
            partitioned by (_partition)
            {%- endif %}
            as {{ omnireport.spark_partitioned_rows(model_sql, partition) }}
        {%- endcall -%}
    {%- else -%}
        {%- set tmp_relation = this.incorporate(path={'identifier': this.identifier ~ '__dbt_tmp'}).include(database=false, schema=false) -%}
        {%- call statement('create_tmp_relation') -%}
            create or replace temporary view {{ tmp_relation }} as
            {{ omnireport.spark_partitioned_rows(compiled_code, partition) }}
        {%- endcall -%}
        {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='ignore') -%}
        {%- do process_schema_changes(on_schema_change, tmp_relation, existing_relation) -%}
        {%- if partition -%}
            {#- Without it an insert overwrite replaces every partition of the table. -#}
            {%- call statement('dynamic_partitions') -%}
                set spark.sql.sources.partitionOverwriteMode = DYNAMIC
            {%- endcall -%}
        {%- endif -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='quoted') | join(', ') -%}
        {%- if strategy == 'replace_scope' -%}
            {%- do omnireport.spark_drop_scope_partitions(this, unique_key, partition) -%}
        {%- endif -%}
        {%- call statement('main') -%}
            {%- if partition %}
            insert overwrite table {{ this }} partition (_partition)
            {%- else %}
            insert into table {{ this }}
            {%- endif %}
            select {{ columns }} from {{ tmp_relation }}
        {%- endcall -%}
    {%- endif -%}

    {{ run_hooks(post_hooks) }}
    {%- do persist_docs(this, model) -%}
    {{ return({'relations': [this]}) }}
{%- endmaterialization %}

{#- The model's rows with their partition last (none: the rows as they are). -#}
{% macro spark_partitioned_rows(model_sql, partition) -%}
    {%- if partition is none -%}
        {{ model_sql }}
    {%- else -%}
        select
            model_rows.*,
            {{ partition.replace('{rows}', 'model_rows') }} as _partition
        from (
            {{ model_sql }}
        ) as model_rows
    {%- endif -%}
{%- endmacro %}

{#- Drop the partitions the run's scope touches (the scope model's values, or their
    buckets), so each is written again whole and one the model no longer fills is gone. -#}
{% macro spark_drop_scope_partitions(relation, scope_column, partition) -%}
    {%- set scope = omnireport.scope_relation(scope_column) -%}
    {%- set touched = run_query('select distinct cast(' ~ partition.replace('{rows}', 'scope_rows') ~ ' as string) from ' ~ scope ~ ' as scope_rows') -%}
    {%- set specs = [] -%}
    {%- for row in touched.rows if row[0] is not none -%}
        {%- do specs.append("partition (_partition = '" ~ row[0] ~ "')") -%}
    {%- endfor -%}
    {%- for chunk in specs | batch(500) -%}
        {%- call statement('drop_scope_partitions') -%}
            alter table {{ relation }} drop if exists {{ chunk | join(', ') }}
        {%- endcall -%}
    {%- endfor -%}
{%- endmacro %}
