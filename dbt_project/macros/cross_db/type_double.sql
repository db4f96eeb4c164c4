{#- A 64-bit float. dbt.type_float() is 32-bit `float` on DuckDB, too coarse for seconds. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'omnireport')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}
