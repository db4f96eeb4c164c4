{#- The rows a data test checks (issue 5). A full build tests every row. An incremental run
    tests, in the staging and quarantine tables, only the rows it wrote: those loaded since
    the last successful build (`_load_id` above its watermark). The rows below were tested
    by the build that wrote them, and the staging tables replace whole keys, so a test of
    the new rows still sees every row a key has. Without this, every run would re-test
    every raw row ever loaded, and a run's cost would grow with the warehouse instead of
    with the batch. Report and fact tables are always tested in full; so is the
    reconciliation of raw rows (audit.row_reconciliation).

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
    {%- if not execute or relation is string or relation.schema not in ('staging', 'quarantine') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if omnireport.incremental_is_full_run() -%}{{ return(none) }}{%- endif -%}
    {{ return('_load_id > ' ~ omnireport.incremental_last_load_id()) }}
{%- endmacro %}
