{#- The exact difference end - start in seconds, as double, fractional seconds kept.
    dbt.datediff counts boundaries; the contract wants exact seconds. -#}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('seconds_between', 'omnireport')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__seconds_between(start_ts, end_ts) -%}
    cast(extract(epoch from ({{ end_ts }}) - ({{ start_ts }})) as {{ omnireport.type_double() }})
{%- endmacro %}

{% macro duckdb__seconds_between(start_ts, end_ts) -%}
    (cast(epoch_us({{ end_ts }}) - epoch_us({{ start_ts }}) as double) / 1000000.0)
{%- endmacro %}

{% macro spark__seconds_between(start_ts, end_ts) -%}
    (cast(unix_micros({{ end_ts }}) - unix_micros({{ start_ts }}) as double) / 1000000.0)
{%- endmacro %}
