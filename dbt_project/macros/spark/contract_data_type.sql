{#- Spark's names of the marts' logical contract types (contract_dynamic_columns.sql):
    `varchar` is `string` (Spark's varchar needs a length and is only a checked string),
    `integer` is `int`, `double` stays `double` (type_double); bigint, boolean, date and
    timestamp are Spark names already (timestamp: the session time zone is UTC, see
    profiles.yml, so it holds the same UTC wall-clock values as DuckDB's). -#}
{% macro spark__contract_data_type(data_type) -%}
    {%- set logical = data_type | trim | lower -%}
    {%- if logical == 'varchar' -%}
        {{ return('string') }}
    {%- elif logical == 'integer' -%}
        {{ return('int') }}
    {%- elif logical == 'double' -%}
        {{ return(omnireport.type_double()) }}
    {%- endif -%}
    {{ return(data_type) }}
{%- endmacro %}
