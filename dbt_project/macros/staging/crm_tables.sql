{#- The raw CRM tables (CONTRACT.md 2), in contract order; same list as
    omnireport.contract.RAW_TABLES. Staging, quarantine and the reconciliation loop over it. -#}
{% macro crm_tables() -%}
    {{ return([
        'channels', 'users', 'groups', 'user_groups', 'contacts', 'categories', 'tags',
        'sessions', 'messages', 'tag_events', 'agent_status_events',
    ]) }}
{%- endmacro %}

{#- The exported columns of a raw table, in contract order, read from the source YAML
    (_crm__sources.yml) so there is one list; lineage columns (`_` prefix) left out.
    Where the graph is not available (a unit test's context), the columns of the loaded
    raw table are read from the warehouse instead. -#}
{% macro crm_raw_columns(table_name) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- set names = [] -%}
        {%- if graph.get('sources') -%}
            {%- set node = graph.sources.values()
                | selectattr('source_name', 'equalto', 'crm')
                | selectattr('name', 'equalto', table_name)
                | first -%}
            {%- if node is none -%}
                {{ exceptions.raise_compiler_error("crm_raw_columns: no source crm." ~ table_name ~ " in _crm__sources.yml") }}
            {%- endif -%}
            {%- for column_name in node.columns -%}{%- do names.append(column_name) -%}{%- endfor -%}
        {%- else -%}
            {%- set relation = adapter.get_relation(database=target.database, schema='raw', identifier=table_name) -%}
            {%- if relation is none -%}
                {{ exceptions.raise_compiler_error("crm_raw_columns: table raw." ~ table_name ~ " does not exist; create the raw schema (omnireport load) first") }}
            {%- endif -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}{%- do names.append(column.name) -%}{%- endfor -%}
        {%- endif -%}
        {%- for column_name in names if not column_name.startswith('_') -%}
            {%- do columns.append(column_name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The key of a raw table: the unique_key its stg_crm__<table> model deduplicates on. -#}
{% macro staging_key_columns(table_name) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set node = graph.nodes.get('model.omnireport.stg_crm__' ~ table_name) -%}
    {%- if node is none or not node.config.unique_key -%}
        {{ exceptions.raise_compiler_error("staging_key_columns: model stg_crm__" ~ table_name ~ " has no unique_key") }}
    {%- endif -%}
    {%- set key = node.config.unique_key -%}
    {{ return([key] if key is string else key) }}
{%- endmacro %}
