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
        {{ omnireport.completion_support_counts() }},
        {{ omnireport.duration_totals({'waiting_time': 'waiting_time_s', 'support_time': 'support_time_s'}) }}
    from sessions
    group by
        started_date,
        channel_id,
        support_type

)

select * from final
