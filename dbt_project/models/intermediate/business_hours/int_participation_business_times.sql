{#- One row per agent and session with the agent's own times in business seconds: the
    twins of int_agent_participations' waiting and support times (CONTRACT.md 3 per agent
    and session), measured like 7.3 with the session's schedule (7.2). The agent's
    waiting time is the session's waiting_time_business_s when it was first responder;
    its support time spans the same two instants as its calendar one (its first message,
    its last message at or before done_at). Each is null where the calendar time is null
    or the session has no schedule. -#}

with

participations as (
    select
        session_id,
        user_id,
        is_first_responder,
        support_time_s,
        first_message_at,
        last_message_at_or_before_done_at
    from {{ ref('int_agent_participations') }}
    {{ omnireport.in_scope('session_id') }}
),

session_times as (
    select
        session_id,
        schedule_id,
        waiting_time_business_s
    from {{ ref('int_session_business_times') }}
    {{ omnireport.in_scope('session_id') }}
),

measured as (
    select
        participations.*,
        session_times.schedule_id,
        session_times.waiting_time_business_s as session_waiting_time_business_s
    from participations
    left join session_times
        on participations.session_id = session_times.session_id
),

-- only the participations with a support time need the clock
instants as (
    select
        session_id,
        user_id,
        'first_message' as instant_name,
        schedule_id,
        first_message_at as instant
    from measured
    where support_time_s is not null
    union all
    select
        session_id,
        user_id,
        'last_message' as instant_name,
        schedule_id,
        last_message_at_or_before_done_at as instant
    from measured
    where support_time_s is not null
),

clock as (
    {{ omnireport.open_seconds_before('instants', ['session_id', 'user_id', 'instant_name']) }}
),

readings as (
    select
        session_id,
        user_id,
        max(case when instant_name = 'first_message' then open_s_before end) as first_message_s,
        max(case when instant_name = 'last_message' then open_s_before end) as last_message_s
    from clock
    group by
        session_id,
        user_id
),

final as (
    select
        measured.session_id,
        measured.user_id,
        case when measured.is_first_responder then measured.session_waiting_time_business_s end as waiting_time_business_s,
        case
            when measured.support_time_s is not null and measured.schedule_id is not null
                then readings.last_message_s - readings.first_message_s
        end as support_time_business_s
    from measured
    left join readings
        on
            measured.session_id = readings.session_id
            and measured.user_id = readings.user_id
)

select * from final
