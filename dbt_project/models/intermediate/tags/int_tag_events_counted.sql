{#- The tag events that count (CONTRACT.md 6.11): contact-level events (no session) and
    events whose session is loaded. An event whose session is missing or quarantined is
    late and held out of the tag marts until the session arrives. -#}

with

tag_events as (

    select * from {{ ref('stg_crm__tag_events') }}
    {{ omnireport.in_scope('tag_event_id') }}

),

sessions as (

    select session_id from {{ ref('stg_crm__sessions') }}

),

final as (

    select
        tag_events.tag_event_id,
        tag_events.tag_id,
        tag_events.session_id,
        tag_events.contact_id,
        tag_events.channel_id,
        tag_events.user_id,
        tag_events.action,
        tag_events.event_at,
        {{ omnireport.local_date('tag_events.event_at') }} as event_date
    from tag_events
    left join sessions
        on tag_events.session_id = sessions.session_id
    where
        tag_events.session_id is null
        or sessions.session_id is not null

)

select * from final
