{#- The raw tables and their rules, from the var raw_tables (dbt_project.yml), the one
    home of CONTRACT.md section 2's columns and section 4's rules. -#}

{#- The raw table names, in contract order. -#}
{% macro raw_table_names() -%}
    {{ return(var('raw_tables').keys() | list) }}
{%- endmacro %}

{#- The rules of one raw table: its columns (name -> spec, in contract order), its
    latest_by columns and its row rules. -#}
{% macro raw_table(table_name) -%}
    {%- set table = var('raw_tables').get(table_name) -%}
    {%- if table is none -%}
        {{ exceptions.raise_compiler_error("no raw table " ~ table_name ~ " in the var raw_tables (dbt_project.yml)") }}
    {%- endif -%}
    {{ return(table) }}
{%- endmacro %}

{#- The exported columns of a raw table, in contract order. -#}
{% macro raw_columns(table_name) -%}
    {{ return(omnireport.raw_table(table_name)['columns'].keys() | list) }}
{%- endmacro %}

{#- The key of a raw table: what its stg_crm__<table> model deduplicates on. -#}
{% macro raw_key_columns(table_name) -%}
    {{ return(omnireport.raw_table(table_name)['key']) }}
{%- endmacro %}
