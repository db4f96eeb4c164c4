{#- The report's measures and their sums, so each is written once.

    A measure model (int_session_measures, int_participation_measures) gives every row
    additive measures: 0/1 counts (`one_if`) and duration totals with the count of rows
    that have the duration (`duration_measures`). A report table sums them over its grain
    (`sum_counts`, `duration_totals`, `completion_support_counts`) and takes its ratios of
    the sums, never of the rows, so any set of rows adds up to the same figures. -#}

{#- A count of rows where the condition holds: an integer, never null. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- One row's count: 1 when the condition holds, else 0 (a null condition is 0). -#}
{% macro one_if(condition) -%}
    cast(case when {{ condition }} then 1 else 0 end as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- One row's total_<name>_s (0.0 without the duration, so a sum is never null) and
    sessions_with_<name> (1 when it has one), for each name -> duration column. -#}
{% macro duration_measures(measures) -%}
    {%- for name, column in measures.items() %}
    coalesce({{ column }}, 0.0) as total_{{ name }}_s,
    {{ omnireport.one_if(column ~ ' is not null') }} as sessions_with_{{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Each count column summed over the group, as an integer of the same name. -#}
{% macro sum_counts(columns) -%}
    {%- for column in columns %}
    cast(sum({{ column }}) as {{ dbt.type_bigint() }}) as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- total_<name>_s, sessions_with_<name>, then avg_<name>_s for each name, summed from
    duration_measures: the average is over the rows that have the duration and null when
    none does (CONTRACT.md 3 "Averages", 6.20-6.21). -#}
{% macro duration_totals(names) -%}
    {%- for name in names %}
    sum(total_{{ name }}_s) as total_{{ name }}_s,
    cast(sum(sessions_with_{{ name }}) as {{ dbt.type_bigint() }}) as sessions_with_{{ name }},
    {%- endfor %}
    {%- for name in names %}
    {{ omnireport.safe_average('sum(total_' ~ name ~ '_s)', 'sum(sessions_with_' ~ name ~ ')') }} as avg_{{ name }}_s{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Sessions by completed x supported, with their total and percentages
    (rpt_daily_stats, rpt_channel_stats), summed from int_session_measures. -#}
{% macro completion_support_counts() -%}
    {{ omnireport.sum_counts(['done_supported', 'done_not_supported', 'not_done_supported', 'not_done_not_supported', 'sessions']) }},
    {{ omnireport.percentage('sum(done_sessions)', 'sum(sessions)') }} as pct_complete,
    {{ omnireport.percentage('sum(supported_sessions)', 'sum(sessions)') }} as pct_support
{%- endmacro %}
