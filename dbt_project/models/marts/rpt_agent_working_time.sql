{%- set incremental_scope = [('user_id', 'int_incremental_changed_agents', 'user_id')] -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'incremental_scope': incremental_scope},
    pre_hook="{{ omnireport.incremental_delete_model_scope() }}",
) }}
{{ omnireport.incremental_scope_depends_on(incremental_scope) }}

with

pauses as (

    select * from {{ ref('int_agent_pauses') }}
    {{ omnireport.incremental_scope_filter(incremental_scope) }}

),

final as (

    select
        pause_date,
        user_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as pause_count,
        coalesce(sum(pause_s), 0.0) as total_pause_s,
        {{ omnireport.count_where('is_open') }} as open_pause_count
    from pauses
    group by
        pause_date,
        user_id

)

select * from final
