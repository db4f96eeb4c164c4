{#- Cross-database pieces of the business clock (CONTRACT.md 7.2). -#}

{#- A UTC timestamp as wall-clock time in the time zone named by a SQL expression (a column:
    every schedule row has its own zone). -#}
{% macro to_local_timestamp_in(utc_timestamp, zone_expression) -%}
    {{ return(adapter.dispatch('to_local_timestamp_in', 'omnireport')(utc_timestamp, zone_expression)) }}
{%- endmacro %}

{% macro default__to_local_timestamp_in(utc_timestamp, zone_expression) -%}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone ({{ zone_expression }})
{%- endmacro %}

{% macro duckdb__to_local_timestamp_in(utc_timestamp, zone_expression) -%}
    timezone({{ zone_expression }}, timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}

{% macro spark__to_local_timestamp_in(utc_timestamp, zone_expression) -%}
    from_utc_timestamp({{ utc_timestamp }}, {{ zone_expression }})
{%- endmacro %}

{#- The zone's UTC offset in seconds at a UTC instant. -#}
{% macro utc_offset_seconds(utc_timestamp, zone_expression) -%}
    {{ omnireport.seconds_between(utc_timestamp, omnireport.to_local_timestamp_in(utc_timestamp, zone_expression)) }}
{%- endmacro %}

{#- `timestamp` moved by a number of seconds (an expression). -#}
{% macro add_seconds(timestamp, seconds) -%}
    {{ return(adapter.dispatch('add_seconds', 'omnireport')(timestamp, seconds)) }}
{%- endmacro %}

{% macro default__add_seconds(timestamp, seconds) -%}
    ({{ timestamp }} + ({{ seconds }}) * interval '1 second')
{%- endmacro %}

{#- Microseconds from a double: an int number of seconds times 1000000 would overflow
    Spark's 32-bit int (past 35 minutes) and wrap around silently. -#}
{% macro spark__add_seconds(timestamp, seconds) -%}
    timestamp_micros(unix_micros({{ timestamp }}) + cast(round(cast(({{ seconds }}) as double) * 1000000) as bigint))
{%- endmacro %}

{#- A wall-clock time (timestamp without zone) in a zone, as the UTC instant CONTRACT.md 7.2
    names: a time clocks never show (a gap when they go forward) moves forward by the gap,
    a time they show twice (a fold when they go back) is its first occurrence. Engines
    convert such times each their own way, so this reads only the zone's offsets at UTC
    instants, which every engine gives alike: o1 the offset a day before, o2 a day after.
    `wall - o1` is right unless a change lies between (it is then the first occurrence of a
    fold); else `wall - o2` is right unless the time is in a gap, where the offset before
    the change, `wall - o1`, moves it forward by the gap. -#}
{% macro wall_clock_to_utc(wall, zone_expression) -%}
    {%- set day_before = omnireport.add_seconds(wall, -86400) -%}
    {%- set day_after = omnireport.add_seconds(wall, 86400) -%}
    {%- set o1 = omnireport.utc_offset_seconds(day_before, zone_expression) -%}
    {%- set o2 = omnireport.utc_offset_seconds(day_after, zone_expression) -%}
    {%- set with_o1 = omnireport.add_seconds(wall, '-(' ~ o1 ~ ')') -%}
    {%- set with_o2 = omnireport.add_seconds(wall, '-(' ~ o2 ~ ')') -%}
    (case
        when {{ omnireport.utc_offset_seconds(with_o1, zone_expression) }} = {{ o1 }} then {{ with_o1 }}
        when {{ omnireport.utc_offset_seconds(with_o2, zone_expression) }} = {{ o2 }} then {{ with_o2 }}
        else {{ with_o1 }}
    end)
{%- endmacro %}

{#- The ISO weekday of a date: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('iso_weekday', 'omnireport')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_weekday(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__iso_weekday(date_expression) -%}
    cast(dayofweek({{ date_expression }}) + 5 as int) % 7 + 1
{%- endmacro %}

{#- Every day from `first_column` to `last_column` of a one-row relation `bounds` (a CTE
    name), as a subquery with one column `day`; at most 10,000 days. -#}
{% macro days_between(bounds, first_column, last_column) -%}
    (
        select cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.' ~ first_column) }} as date) as day
        from {{ bounds }} as bounds
        cross join (
            select ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d as n
            from {{ omnireport.digits() }} as ones
            cross join {{ omnireport.digits() }} as tens
            cross join {{ omnireport.digits() }} as hundreds
            cross join {{ omnireport.digits() }} as thousands
        ) as numbers
        where {{ dbt.dateadd('day', 'numbers.n', 'bounds.' ~ first_column) }} <= bounds.{{ last_column }}
    )
{%- endmacro %}

{% macro digits() -%}
    (
        select 0 as d union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    )
{%- endmacro %}
