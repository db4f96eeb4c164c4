{#- Aggregate columns shared by several report tables, so each is defined once. -#}

{#- A count of rows where the condition holds: an integer, never null. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- total_<name>_s, sessions_with_<name>, avg_<name>_s for each measure: the total is
    0.0 when nothing adds up, the average is over the rows that have the measure and
    null when none does (CONTRACT.md 3 "Averages", 6.20-6.21). -#}
{% macro duration_totals(measures) -%}
    {%- for name, column in measures.items() %}
    coalesce(sum({{ column }}), 0.0) as total_{{ name }}_s,
    cast(count({{ column }}) as {{ dbt.type_bigint() }}) as sessions_with_{{ name }},
    {%- endfor %}
    {%- for name, column in measures.items() %}
    {{ omnireport.safe_average('sum(' ~ column ~ ')', 'count(' ~ column ~ ')') }} as avg_{{ name }}_s{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Sessions by completed x supported, with their total and percentages
    (rpt_daily_stats, rpt_channel_stats). -#}
{% macro completion_support_counts() -%}
    {{ omnireport.count_where('is_completed and is_supported') }} as done_supported,
    {{ omnireport.count_where('is_completed and not is_supported') }} as done_not_supported,
    {{ omnireport.count_where('not is_completed and is_supported') }} as not_done_supported,
    {{ omnireport.count_where('not is_completed and not is_supported') }} as not_done_not_supported,
    cast(count(*) as {{ dbt.type_bigint() }}) as sessions,
    {{ omnireport.percentage(omnireport.count_where('is_completed'), 'count(*)') }} as pct_complete,
    {{ omnireport.percentage(omnireport.count_where('is_supported'), 'count(*)') }} as pct_support
{%- endmacro %}
