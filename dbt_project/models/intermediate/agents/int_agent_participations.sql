{#- One row per agent and session the agent took part in (CONTRACT.md 3, "Per agent and
    session"): the assignee, and every agent who sent a message in it, at any time
    (6.16). Carries the agent's own flags and times: assignee, supported, first
    responder, the agent's waiting time (the session's, when first responder), the
    agent's support time in a completed session (its last message at or before done_at
    minus its first message in the session, with those two instants) and one sla_<X>m
    flag per var sla_minutes. -#}

with

sessions as (

    select
        session_id,
        assigned_user_id,
        started_date,
        is_completed,
        done_at,
        first_responder_user_id,
        waiting_time_s
    from {{ ref('int_session_metrics') }}
    {{ omnireport.in_scope('session_id') }}

),

agent_messages as (

    select
        session_id,
        agent_user_id as user_id,
        sent_at
    from {{ ref('int_messages_classified') }}
    where sender_kind = 'agent'
    {{ omnireport.in_scope('session_id', 'and') }}

),

senders as (

    select
        agent_messages.session_id,
        agent_messages.user_id,
        count(*) as messages_sent,
        min(agent_messages.sent_at) as first_message_at,
        max(
            case
                when sessions.is_completed and agent_messages.sent_at <= sessions.done_at
                    then agent_messages.sent_at
            end
        ) as last_message_at_or_before_done_at
    from agent_messages
    inner join sessions
        on agent_messages.session_id = sessions.session_id
    group by
        agent_messages.session_id,
        agent_messages.user_id

),

participants as (

    select
        session_id,
        user_id
    from senders

    union

    select
        session_id,
        assigned_user_id as user_id
    from sessions
    where assigned_user_id is not null

),

flagged as (

    select
        participants.session_id,
        participants.user_id,
        sessions.started_date,
        sessions.is_completed,
        coalesce(sessions.assigned_user_id = participants.user_id, false) as is_assignee,
        senders.user_id is not null as user_supported,
        coalesce(sessions.first_responder_user_id = participants.user_id, false) as is_first_responder,
        coalesce(senders.messages_sent, 0) as messages_sent,
        senders.first_message_at,
        senders.last_message_at_or_before_done_at,
        sessions.waiting_time_s as session_waiting_time_s
    from participants
    inner join sessions
        on participants.session_id = sessions.session_id
    left join senders
        on
            participants.session_id = senders.session_id
            and participants.user_id = senders.user_id

),

final as (

    select
        session_id,
        user_id,
        started_date,
        is_completed,
        is_assignee,
        user_supported,
        is_first_responder,
        messages_sent,
        {% for minutes in var('sla_minutes') %}
            coalesce(is_first_responder and session_waiting_time_s < {{ 60 * minutes }}, false) as sla_{{ minutes }}m,
        {% endfor %}
        case when is_first_responder then session_waiting_time_s end as waiting_time_s,
        case
            when is_completed and last_message_at_or_before_done_at is not null
                then {{ omnireport.seconds_between('first_message_at', 'last_message_at_or_before_done_at') }}
        end as support_time_s,
        -- the two instants of support_time_s, for its business-time twin
        -- (int_participation_business_times)
        first_message_at,
        last_message_at_or_before_done_at
    from flagged

)

select * from final
