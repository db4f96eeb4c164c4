{%- set incremental_scope = [('started_date', 'int_incremental_rebuilt_dates', 'started_date')] -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'incremental_scope': incremental_scope},
    pre_hook="{{ omnireport.incremental_delete_model_scope() }}",
) }}
{{ omnireport.incremental_scope_depends_on(incremental_scope) }}

with

sessions as (

    select * from {{ ref('fct_sessions') }}
    {{ omnireport.incremental_scope_filter(incremental_scope) }}

),

final as (

    select
        started_date,
        started_hour,
        cast(count(*) as {{ dbt.type_bigint() }}) as sessions,
        {{ omnireport.count_where('is_supported') }} as supported_sessions,
        {{ omnireport.count_where('waiting_time_s < 60') }} as supported_within_1m,
        {{ omnireport.count_where('is_completed') }} as done_sessions
    from sessions
    group by
        started_date,
        started_hour

)

select * from final
