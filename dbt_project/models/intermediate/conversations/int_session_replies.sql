{#- One row per reply (CONTRACT.md 3, "Replies"): walking a session's contact and agent
    messages in (sent_at, message_id) order, an agent message that follows one or more
    contact messages is a reply; its reply time runs from the earliest contact message
    since the previous agent message. Page messages are skipped and change nothing.
    Each segment (the messages after the n-th agent message up to and including the
    next one) holds at most one agent message, which ends it. The reply waits since the
    segment's first contact message, in the same order (CONTRACT.md 7.4), and is numbered
    1, 2, ... in time order within its session. -#}

with

support_messages as (

    select
        session_id,
        message_id,
        sent_at,
        sender_kind,
        agent_user_id
    from {{ ref('int_messages_classified') }}
    where sender_kind in ('contact', 'agent')
    {{ omnireport.in_scope('session_id', 'and') }}

),

segmented as (

    select
        support_messages.*,
        coalesce(
            sum(case when sender_kind = 'agent' then 1 else 0 end) over (
                partition by session_id
                order by sent_at, message_id
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as agent_messages_before
    from support_messages

),

ranked as (

    select
        segmented.*,
        row_number() over (
            partition by session_id, agent_messages_before, sender_kind
            order by sent_at, message_id
        ) as rank_in_segment
    from segmented

),

segments as (

    select
        session_id,
        agent_messages_before as segment_number,
        min(case when sender_kind = 'contact' then sent_at end) as first_contact_at,
        max(case when sender_kind = 'contact' and rank_in_segment = 1 then message_id end) as customer_message_id,
        max(case when sender_kind = 'agent' then message_id end) as reply_message_id,
        max(case when sender_kind = 'agent' then agent_user_id end) as replied_by_user_id,
        max(case when sender_kind = 'agent' then sent_at end) as replied_at
    from ranked
    group by
        session_id,
        agent_messages_before

),

replies as (

    select *
    from segments
    where
        first_contact_at is not null
        and replied_at is not null

),

final as (

    select
        session_id,
        reply_message_id,
        replied_by_user_id,
        customer_message_id,
        first_contact_at,
        replied_at,
        {{ omnireport.seconds_between('first_contact_at', 'replied_at') }} as reply_time_s,
        cast(row_number() over (
            partition by session_id
            order by segment_number
        ) as {{ dbt.type_int() }}) as reply_number
    from replies

)

select * from final
