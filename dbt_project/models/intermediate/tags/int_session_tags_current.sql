{#- The tags a session carries now (CONTRACT.md 5, bridge_session_tags): a tag is
    current when its last event for that session, in (event_at, tag_event_id) order,
    is `added`. -#}

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
    {{ omnireport.in_scope('session_id', 'and') }}

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
