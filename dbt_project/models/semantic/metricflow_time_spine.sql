{#- The day spine MetricFlow needs (joins to time, cumulative metrics). It lives in schema
    marts so the published snapshot carries it beside the marts the metrics read.
    dbt.date_spine is dbt's cross-database macro: no engine-only syntax. -#}
{{ config(materialized='table', schema='marts') }}

with

days as (

    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('" ~ var('metricflow_time_spine_start', '2020-01-01') ~ "' as date)",
        end_date="cast('" ~ var('metricflow_time_spine_end', '2041-01-01') ~ "' as date)",
    ) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
