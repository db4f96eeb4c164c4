{#- PostgreSQL: with DISTINCT the ORDER BY must be an argument, so the collated value is
    both; `collate "C"` sorts by code point as CONTRACT.md 6.22 asks, whatever the
    database's collation. -#}
{% macro postgres__sorted_string_agg(expression, delimiter) -%}
    string_agg(distinct ({{ expression }}) collate "C", '{{ delimiter }}' order by ({{ expression }}) collate "C")
{%- endmacro %}
