{#- Per session, what its messages say (CONTRACT.md 3 and 6.13-6.16): message counts,
    whether it is proactive, the first response and its agent, and the last agent
    message at or before done_at. Time order is (sent_at, message_id). Page messages
    take no part. Sessions without a contact or agent message have no row here. -#}

with

sessions as (

    select
        session_id,
        status,
        started_at,
        done_at
    from {{ ref('stg_crm__sessions') }}
    {{ omnireport.in_scope('session_id') }}

),

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

ordered as (

    select
        support_messages.*,
        sessions.status,
        sessions.started_at,
        sessions.done_at,
        row_number() over (
            partition by support_messages.session_id
            order by support_messages.sent_at, support_messages.message_id
        ) as message_rank
    from support_messages
    inner join sessions
        on support_messages.session_id = sessions.session_id

),

responses as (

    select
        session_id,
        message_id,
        sent_at,
        agent_user_id,
        row_number() over (
            partition by session_id
            order by sent_at, message_id
        ) as response_rank
    from ordered
    where
        sender_kind = 'agent'
        and sent_at >= started_at

),

first_responses as (

    select
        session_id,
        message_id as first_response_message_id,
        sent_at as first_response_at,
        agent_user_id as first_responder_user_id
    from responses
    where response_rank = 1

),

aggregated as (

    select
        session_id,
        count(*) as total_messages,
        sum(case when sender_kind = 'agent' then 1 else 0 end) as agent_messages,
        sum(case when sender_kind = 'contact' then 1 else 0 end) as contact_messages,
        max(case when message_rank = 1 and sender_kind = 'agent' then 1 else 0 end) as first_is_agent,
        max(
            case
                when
                    sender_kind = 'agent'
                    and status = 'done'
                    and sent_at <= done_at
                    then sent_at
            end
        ) as last_agent_message_at
    from ordered
    group by session_id

),

final as (

    select
        aggregated.session_id,
        aggregated.total_messages,
        aggregated.agent_messages,
        aggregated.contact_messages,
        aggregated.first_is_agent = 1 as is_proactive,
        first_responses.first_response_message_id,
        first_responses.first_response_at,
        first_responses.first_responder_user_id,
        aggregated.last_agent_message_at
    from aggregated
    left join first_responses
        on aggregated.session_id = first_responses.session_id

)

select * from final
