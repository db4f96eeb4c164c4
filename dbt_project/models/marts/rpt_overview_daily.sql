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
        channel_id,
        support_type,
        cast(count(*) as {{ dbt.type_bigint() }}) as sessions,
        cast(count(distinct contact_id) as {{ dbt.type_bigint() }}) as contacts,
        {{ omnireport.count_where('is_assigned') }} as assigned_sessions,
        {{ omnireport.count_where('not is_assigned') }} as unassigned_sessions,
        {{ omnireport.count_where('is_completed') }} as done_sessions,
        {{ omnireport.count_where('not is_completed') }} as pending_sessions,
        {{ omnireport.duration_totals({'waiting_time': 'waiting_time_s', 'support_time': 'support_time_s'}) }}
    from sessions
    group by
        started_date,
        channel_id,
        support_type

)

select * from final
