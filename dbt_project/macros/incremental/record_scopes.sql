{#- on-run-end: the marts this dbt invocation replaced only in part, each with its scope
    column and scope relation, in audit.replaced_scopes (emptied at each invocation). The
    publish step copies only those rows into the readers' snapshot. A full refresh
    replaces nothing in part. -#}
{% macro record_replaced_scopes(results) -%}
    {{ return(adapter.dispatch('record_replaced_scopes', 'omnireport')(results)) }}
{%- endmacro %}

{% macro default__record_replaced_scopes(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set relation = api.Relation.create(database=target.database, schema='audit', identifier='replaced_scopes') -%}
    {%- set rows = [] -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- if node.resource_type == 'model' and result.status == 'success' and node.config.incremental_strategy == 'replace_scope'
            and node.config.materialized == 'incremental' and node.schema == 'marts' and not flags.FULL_REFRESH -%}
            {%- set scope = graph.nodes['model.omnireport.' ~ omnireport.scope_model_name(node.config.unique_key, node)] -%}
            {%- do rows.append("('" ~ node.alias ~ "', '" ~ node.config.unique_key ~ "', '" ~ scope.schema ~ "." ~ scope.alias ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    create schema if not exists {{ relation.schema }};
    create table if not exists {{ relation }} (
        relation_name {{ dbt.type_string() }},
        scope_column {{ dbt.type_string() }},
        scope_relation {{ dbt.type_string() }}
    );
    delete from {{ relation }};
    {%- if rows %}
    insert into {{ relation }} values {{ rows | join(', ') }};
    {%- endif %}
{%- endmacro %}

{#- Spark: no snapshot is published from it. -#}
{% macro spark__record_replaced_scopes(results) -%}
    {{ return('') }}
{%- endmacro %}
