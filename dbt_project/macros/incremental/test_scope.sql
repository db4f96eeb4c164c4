{#- The rows a data test checks (issue 5). A full build tests every row. An incremental run
    tests, in the staging and quarantine tables, only the rows it wrote: those loaded since
    the last successful build (`_load_id` above its watermark). The rows below were tested
    by the build that wrote them, and the staging tables replace whole keys, so a test of
    the new rows still sees every row a key has. Without this, every run would re-test
    every raw row ever loaded, and a run's cost would grow with the warehouse instead of
    with the batch. A `unique` test of an incremental model checks the keys the run wrote
    against the whole table (incremental_unique_test_scope). Every other test of a report
    or fact table reads it in full; so does the reconciliation of raw rows
    (audit.row_reconciliation).

    dbt wraps the model of every generic test in get_where_subquery; this is dbt's own
    version (global_project/macros/materializations/tests/where_subquery.sql) with the
    scope added to the test's `where` config. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set scope = omnireport.incremental_test_scope(relation) -%}
    {%- if scope -%}{%- do conditions.append(scope) -%}{%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The condition limiting a test of `relation` to this run's rows, or none. -#}
{% macro incremental_test_scope(relation) -%}
    {%- if not execute or relation is string -%}{{ return(none) }}{%- endif -%}
    {%- if relation.schema in ('staging', 'quarantine') -%}
        {%- if omnireport.incremental_is_full_run() -%}{{ return(none) }}{%- endif -%}
        {{ return('_load_id > ' ~ omnireport.incremental_last_load_id()) }}
    {%- endif -%}
    {{ return(omnireport.incremental_unique_test_scope(relation)) }}
{%- endmacro %}

{#- A `unique` test of an incremental model (one with meta incremental_scope) in an
    incremental run: only the keys of the rows this run wrote (the rows of the model's
    scope: it deletes them and appends what it selects under the same condition), each
    counted over the whole table. A duplicate needs a written row, so this finds every
    duplicate the run could make, including a written key that collides with an older row,
    without grouping 16M message ids on every run. none otherwise (every key is tested). -#}
{% macro incremental_unique_test_scope(relation) -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set column = model.get('column_name') -%}
    {%- if test.get('name') != 'unique' or not column -%}{{ return(none) }}{%- endif -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- set scope = ((tested.config.meta or {}).get('incremental_scope') if tested else none) or [] -%}
    {%- if not scope or omnireport.incremental_is_full_run() -%}{{ return(none) }}{%- endif -%}
    {%- for scope_model in scope | map(attribute=1) -%}
        {%- if omnireport.incremental_existing_relation(scope_model) is none -%}{{ return(none) }}{%- endif -%}
    {%- endfor -%}
    {{ return(column ~ ' in (select ' ~ column ~ ' from ' ~ relation ~ ' where '
        ~ omnireport.incremental_scope_condition(scope, existing=true) ~ ')') }}
{%- endmacro %}
