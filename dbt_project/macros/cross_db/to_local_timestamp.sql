{#- A UTC timestamp (without time zone) as wall-clock time in the report time zone
    (var report_timezone), still without time zone. -#}
{% macro to_local_timestamp(utc_timestamp, timezone=none) -%}
    {%- set tz = timezone if timezone is not none else var('report_timezone') -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'omnireport')(utc_timestamp, tz)) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_timestamp, tz) -%}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone '{{ tz }}'
{%- endmacro %}

{% macro duckdb__to_local_timestamp(utc_timestamp, tz) -%}
    timezone('{{ tz }}', timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}

{% macro spark__to_local_timestamp(utc_timestamp, tz) -%}
    from_utc_timestamp({{ utc_timestamp }}, '{{ tz }}')
{%- endmacro %}

{#- The local calendar date and hour (0-23) of a UTC timestamp. -#}
{% macro local_date(utc_timestamp) -%}
    cast({{ omnireport.to_local_timestamp(utc_timestamp) }} as date)
{%- endmacro %}

{% macro local_hour(utc_timestamp) -%}
    cast(extract(hour from {{ omnireport.to_local_timestamp(utc_timestamp) }}) as {{ dbt.type_int() }})
{%- endmacro %}
