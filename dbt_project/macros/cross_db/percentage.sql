{#- numerator / denominator as a percentage 0-100, rounded half-up to 2 decimals from
    the exact ratio (CONTRACT.md 6.20: 1/32 -> 3.13), null when the denominator is 0.
    Integer arithmetic until the last division keeps the half-up exact. -#}
{% macro percentage(numerator, denominator) -%}
    case
        when ({{ denominator }}) = 0 then null
        else cast(
            floor((20000.0 * ({{ numerator }}) + ({{ denominator }})) / (2.0 * ({{ denominator }})))
            as {{ omnireport.type_double() }}
        ) / 100.0
    end
{%- endmacro %}

{#- total / count, unrounded; null when count is 0 (CONTRACT.md 3, 6.21). -#}
{% macro safe_average(total, count) -%}
    case when ({{ count }}) = 0 then null else cast({{ total }} as {{ omnireport.type_double() }}) / ({{ count }}) end
{%- endmacro %}
