{%- set incremental_scope = [('event_date', 'int_incremental_rebuilt_tag_dates', 'event_date')] -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'incremental_scope': incremental_scope},
    pre_hook="{{ omnireport.incremental_delete_model_scope() }}",
) }}
{{ omnireport.incremental_scope_depends_on(incremental_scope) }}

with

tag_events as (

    select * from {{ ref('int_tag_events_counted') }}
    {{ omnireport.incremental_scope_filter(incremental_scope) }}

),

final as (

    select
        event_date,
        tag_id,
        channel_id,
        user_id as tagged_by_user_id,
        {{ omnireport.count_where("action = 'added'") }} as tags_added,
        {{ omnireport.count_where("action = 'removed'") }} as tags_removed
    from tag_events
    group by
        event_date,
        tag_id,
        channel_id,
        user_id

)

select * from final
