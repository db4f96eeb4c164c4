{#- Distinct non-null values joined with the delimiter, sorted by code point
    (CONTRACT.md 6.22); null when there is none. An aggregate: use with group by. -#}
{% macro sorted_string_agg(expression, delimiter=',') -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'omnireport')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expression, delimiter) -%}
    string_agg(distinct {{ expression }}, '{{ delimiter }}' order by {{ expression }} collate "C")
{%- endmacro %}

{% macro duckdb__sorted_string_agg(expression, delimiter) -%}
    string_agg(distinct {{ expression }}, '{{ delimiter }}' order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_string_agg(expression, delimiter) -%}
    nullif(array_join(array_sort(collect_set({{ expression }})), '{{ delimiter }}'), '')
{%- endmacro %}
