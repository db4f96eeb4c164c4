{#- The tags a session carries now (CONTRACT.md 5, bridge_session_tags): a tag is
    current when its last event for that session, in (event_at, tag_event_id) order,
    is `added`. -#}

{%- set incremental_scope = [('session_id', 'int_incremental_changed_sessions', 'session_id')] -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'incremental_scope': incremental_scope},
    pre_hook="{{ omnireport.incremental_delete_model_scope() }}",
) }}
{{ omnireport.incremental_scope_depends_on(incremental_scope) }}


with

session_tag_events as (

    select
        session_id,
        tag_id,
        tag_event_id,
        action,
        event_at
    from {{ ref('int_tag_events_counted') }}
    where session_id is not null
    {{ omnireport.incremental_scope_filter(incremental_scope, 'and') }}

),

ranked as (

    select
        session_tag_events.*,
        row_number() over (
            partition by session_id, tag_id
            order by event_at desc, tag_event_id desc
        ) as recency_rank
    from session_tag_events

),

final as (

    select
        session_id,
        tag_id,
        event_at as tagged_at
    from ranked
    where
        recency_rank = 1
        and action = 'added'

)

select * from final
