{#- Incremental runs. The orchestration decides, before dbt starts, whether a run is full
    (`--full-refresh`: no previous build, other settings, or asked for) or incremental, and
    keeps the state of the last successful build in raw._build_state, which it empties
    before a full build. An incremental run recomputes a scope: the rows of the raw tables
    loaded since that build, and what they touch. Each scope is a small model of
    intermediate/incremental/, one per scope column, and each incremental model replaces
    the rows of its scope (its unique_key) with the replace_scope strategy. -#}

{#- dbt's is_incremental(), but false in a unit test: a unit test pins a model's logic on
    its given rows, whatever the warehouse holds. -#}
{% macro incremental_run() -%}
    {{ return(model.resource_type != 'unit_test' and is_incremental()) }}
{%- endmacro %}

{#- The scope model of each scope column. -#}
{% macro scope_models() -%}
    {{ return({
        'session_id': 'int_incremental_sessions',
        'started_date': 'int_incremental_dates',
        'tag_event_id': 'int_incremental_tag_events',
        'event_date': 'int_incremental_tag_dates',
        'user_id': 'int_incremental_agents',
        '_load_id': 'int_incremental_loads',
        'reply_date': 'int_incremental_reply_dates',
        'conversation_id': 'int_incremental_conversations',
        'snapshot_date': 'int_incremental_backlog_dates',
    }) }}
{%- endmacro %}

{#- The scope model of `column` for `node` (the model being built when none is given): the
    node's own for that column (meta incremental_scopes, {column: model}: a model whose
    rows follow a wider scope than its column's, like business time), else the column's
    (scope_models). -#}
{% macro scope_model_name(column, node=none) -%}
    {%- if node is none and model is defined -%}{%- set node = model -%}{%- endif -%}
    {%- if node is not none -%}
        {%- set own = ((node.config.get('meta') or {}).get('incremental_scopes') or {}).get(column) -%}
        {%- if own -%}{{ return(own) }}{%- endif -%}
    {%- endif -%}
    {%- set name = omnireport.scope_models().get(column) -%}
    {%- if name is none -%}
        {{ exceptions.raise_compiler_error("no incremental scope for column " ~ column ~ ": give one of " ~ (omnireport.scope_models().keys() | join(', '))) }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}

{% macro scope_relation(column) -%}
    {{ return(ref(omnireport.scope_model_name(column))) }}
{%- endmacro %}

{#- `where <expression> in (the scope of column)` in an incremental run; nothing in a full
    build. The scope model is named either way, so dbt knows the dependency; a unit test,
    which never runs incrementally, needs no rows for it. -#}
{% macro in_scope(column, keyword='where', expression=none) -%}
    {%- if model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    {%- set scope = omnireport.scope_relation(column) -%}
    {%- if omnireport.incremental_run() %}
    {{ keyword }} {{ omnireport.scope_predicate(column, expression or column, scope) }}
    {%- endif -%}
{%- endmacro %}

{#- `expression` lies in the scope: its value is one of the scope model's. -#}
{% macro scope_predicate(column, expression, scope) -%}
    {{ return(adapter.dispatch('scope_predicate', 'omnireport')(column, expression, scope)) }}
{%- endmacro %}

{% macro default__scope_predicate(column, expression, scope) -%}
    {{ expression }} in (select {{ column }} from {{ scope }})
{%- endmacro %}

{#- Spark replaces whole partitions (macros/spark/incremental_materialization.sql): the
    scope is every value in a partition the scope model touches. For a date scope that is
    the scope itself; for a key scope, every key in a touched bucket. -#}
{% macro spark__scope_predicate(column, expression, scope) -%}
    {%- set partition = omnireport.spark_partition_expression(column) -%}
    {{ partition.replace('{rows}.' ~ column, expression) }} in (
        select {{ partition.replace('{rows}', 'scope_rows') }} from {{ scope }} as scope_rows
    )
{%- endmacro %}

{#- The scope columns whose values are local dates: a Spark table replaced by such a scope
    is partitioned by the date itself. -#}
{% macro date_scopes() -%}
    {{ return(['started_date', 'event_date', 'reply_date', 'snapshot_date']) }}
{%- endmacro %}

{#- The partition of a row on Spark, as SQL on the columns of `{rows}`: the scope column
    itself for a date scope, else the bucket of the key (var spark_partition_buckets):
    a row's bucket never changes, and a run rewrites only the buckets it touches. -#}
{% macro spark_partition_expression(key_columns) -%}
    {%- set keys = [key_columns] if key_columns is string else key_columns -%}
    {%- if keys | length == 1 and keys[0] in omnireport.date_scopes() -%}
        {{ return('{rows}.' ~ keys[0]) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for key in keys -%}{%- do columns.append('{rows}.' ~ key) -%}{%- endfor -%}
    {{ return('pmod(xxhash64(' ~ columns | join(', ') ~ '), ' ~ var('spark_partition_buckets') ~ ')') }}
{%- endmacro %}

{#- The state of the last successful build, one row (none before the first build, and
    during a full build): the highest raw _load_id it processed and the newest sent_at of
    fct_messages it saw. -#}
{% macro previous_build() -%}
    (select last_load_id, newest_sent_at from {{ source('omnireport', 'build_state') }})
{%- endmacro %}

{#- The keys of a validated raw table with a good version loaded after `after` (SQL giving
    a load id; by default the last build's): the keys a run must look at again. -#}
{% macro keys_with_new_versions(base_model, key_columns, after=none) -%}
    select {{ key_columns | join(', ') }}
    from {{ ref(base_model) }}
    where
        _reason is null
        and _load_id > {{ after or '(select last_load_id from ' ~ omnireport.previous_build() ~ ' as previous)' }}
{%- endmacro %}

{#- `exists` predicate: the row `rows_alias` of a validated raw table has a key with a good
    version loaded after `after` (keys_with_new_versions), keys compared null-safe
    (business_hours.valid_from may be empty). -#}
{% macro has_key_with_new_versions(base_model, key_columns, rows_alias, after=none) -%}
    exists (
        select 1
        from (
            {{ omnireport.keys_with_new_versions(base_model, key_columns, after) }}
        ) as changed_keys
        where {{ omnireport.keys_match('changed_keys', rows_alias, key_columns) }}
    )
{%- endmacro %}

{#- The ids of a dimension table whose current version is new since the last build and
    differs from the version that build saw (or is new): a re-export with the same values
    changes nothing downstream. -#}
{% macro changed_dimension_ids(table_name, key_column, value_columns) -%}
    {%- set base = ref('base_crm__' ~ table_name ~ '_validated') -%}
    {%- set staged = ref('stg_crm__' ~ table_name) -%}
    {%- set last_load_id = '(select last_load_id from ' ~ omnireport.previous_build() ~ ' as previous)' -%}
    {%- set previous_versions -%}
        (
            select * from {{ base }}
            where
                _reason is null
                and _load_id <= {{ last_load_id }}
                and {{ key_column }} in (select {{ key_column }} from {{ staged }} where _load_id > {{ last_load_id }})
        ) as previous_versions
    {%- endset %}
    select current_rows.{{ key_column }} as changed_id
    from {{ staged }} as current_rows
    left join (
        {{ omnireport.deduplicate_latest(previous_versions, [key_column], omnireport.raw_table(table_name).get('latest_by', [])) }}
    ) as previous_rows
        on current_rows.{{ key_column }} = previous_rows.{{ key_column }}
    where
        current_rows._load_id > {{ last_load_id }}
        and (
            previous_rows.{{ key_column }} is null
            {%- for column in value_columns %}
            or current_rows.{{ column }} is distinct from previous_rows.{{ column }}
            {%- endfor %}
        )
{%- endmacro %}
