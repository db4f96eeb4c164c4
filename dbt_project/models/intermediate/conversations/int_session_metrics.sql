{#- One row per session with every per-session metric of CONTRACT.md 3, computed once:
    completion, support, assignment, proactivity, first response, waiting, support and
    session durations, average reply time and the session type. Fine points 6.9,
    6.14-6.17 apply. Durations are exact seconds. -#}

{%- set unanswered_window_s = var('unanswered_window_hours') * 3600 -%}

with

sessions as (

    select * from {{ ref('stg_crm__sessions') }}
    {{ omnireport.in_scope('session_id') }}

),

message_stats as (

    select * from {{ ref('int_session_message_stats') }}
    {{ omnireport.in_scope('session_id') }}

),

reply_stats as (

    select
        session_id,
        count(*) as reply_count,
        avg(reply_time_s) as avg_response_time_s
    from {{ ref('int_session_replies') }}
    {{ omnireport.in_scope('session_id') }}
    group by session_id

),

newest_message as (

    select max(newest_sent_at) as newest_sent_at
    from {{ ref('int_newest_message') }}

),

joined as (

    select
        sessions.session_id,
        sessions.conversation_id,
        sessions.channel_id,
        sessions.contact_id,
        sessions.session_name,
        sessions.support_type,
        sessions.assigned_user_id,
        sessions.category_id,
        sessions.note,
        sessions.status,
        sessions.started_at,
        sessions.done_at,
        sessions.rating,
        sessions.updated_at,
        coalesce(message_stats.total_messages, 0) as total_messages,
        coalesce(message_stats.agent_messages, 0) as agent_messages,
        sessions.status = 'done' as is_completed,
        coalesce(message_stats.agent_messages, 0) > 0 as is_supported,
        sessions.assigned_user_id is not null as is_assigned,
        coalesce(message_stats.is_proactive, false) as is_proactive,
        message_stats.first_response_message_id,
        message_stats.first_response_at,
        message_stats.first_responder_user_id,
        message_stats.last_agent_message_at,
        coalesce(reply_stats.reply_count, 0) as reply_count,
        reply_stats.avg_response_time_s,
        newest_message.newest_sent_at
    from sessions
    left join message_stats
        on sessions.session_id = message_stats.session_id
    left join reply_stats
        on sessions.session_id = reply_stats.session_id
    cross join newest_message

),

measured as (

    select
        joined.*,
        case
            when not is_proactive and is_supported and first_response_at is not null
                then {{ omnireport.seconds_between('started_at', 'first_response_at') }}
        end as waiting_time_s,
        case
            when
                is_completed and is_supported
                and first_response_at is not null
                and last_agent_message_at is not null
                then {{ omnireport.seconds_between('first_response_at', 'last_agent_message_at') }}
        end as support_time_s,
        case
            when is_completed and done_at is not null
                then {{ omnireport.seconds_between('started_at', 'done_at') }}
        end as session_duration_s,
        case
            when not is_supported and newest_sent_at is not null
                then {{ omnireport.seconds_between('started_at', 'newest_sent_at') }}
        end as unanswered_for_s
    from joined

),

final as (

    select
        session_id,
        conversation_id,
        channel_id,
        contact_id,
        session_name,
        support_type,
        case
            when is_proactive then 'proactive'
            when waiting_time_s > {{ unanswered_window_s }} then 'unanswered_24h'
            when unanswered_for_s > {{ unanswered_window_s }} then 'unanswered_24h'
            else 'standard'
        end as session_type,
        assigned_user_id,
        category_id,
        note,
        status,
        started_at,
        done_at,
        {{ omnireport.local_date('started_at') }} as started_date,
        {{ omnireport.local_hour('started_at') }} as started_hour,
        rating,
        updated_at,
        total_messages,
        agent_messages,
        reply_count,
        is_completed,
        is_supported,
        is_assigned,
        is_proactive,
        first_response_message_id,
        first_response_at,
        first_responder_user_id,
        waiting_time_s,
        case when is_completed then last_agent_message_at end as last_agent_message_at,
        support_time_s,
        session_duration_s,
        avg_response_time_s
    from measured

)

select * from final
