{#- One row per session with its business-time columns (CONTRACT.md 7.3): each spans the
    same two instants as its calendar column of int_session_metrics and is null where that
    one is null or the session has no schedule; a schedule with no version yet gives 0.0.
    The average business reply time is the mean over the session's replies
    (int_reply_business_times). -#}

with

sessions as (
    select
        session_id,
        started_at,
        first_response_at,
        last_agent_message_at,
        done_at,
        waiting_time_s,
        support_time_s,
        session_duration_s
    from {{ ref('int_session_metrics') }}
    {{ omnireport.in_scope('session_id') }}
),

schedules as (
    select
        session_id,
        schedule_id
    from {{ ref('int_session_schedules') }}
    {{ omnireport.in_scope('session_id') }}
),

measured as (
    select
        sessions.*,
        schedules.schedule_id
    from sessions
    left join schedules
        on sessions.session_id = schedules.session_id
),

instants as (
    select
        session_id,
        'started' as instant_name,
        schedule_id,
        started_at as instant
    from measured
    union all
    select
        session_id,
        'first_response' as instant_name,
        schedule_id,
        first_response_at as instant
    from measured
    union all
    select
        session_id,
        'last_agent_message' as instant_name,
        schedule_id,
        last_agent_message_at as instant
    from measured
    union all
    select
        session_id,
        'done' as instant_name,
        schedule_id,
        done_at as instant
    from measured
),

clock as (
    {{ omnireport.open_seconds_before('instants', ['session_id', 'instant_name']) }}
),

readings as (
    select
        session_id,
        max(case when instant_name = 'started' then open_s_before end) as started_s,
        max(case when instant_name = 'first_response' then open_s_before end) as first_response_s,
        max(case when instant_name = 'last_agent_message' then open_s_before end) as last_agent_message_s,
        max(case when instant_name = 'done' then open_s_before end) as done_s,
        max(case when instant_name = 'started' and is_open then 1 else 0 end) as started_open,
        max(case when instant_name = 'started' and is_open is not null then 1 else 0 end) as has_clock
    from clock
    group by session_id
),

replies as (
    select
        session_id,
        avg(reply_time_business_s) as avg_response_time_business_s
    from {{ ref('int_reply_business_times') }}
    {{ omnireport.in_scope('session_id') }}
    group by session_id
),

final as (
    select
        measured.session_id,
        measured.schedule_id,
        case when measured.schedule_id is not null then readings.started_open = 1 end as started_in_business_hours,
        case
            when measured.waiting_time_s is not null and measured.schedule_id is not null
                then readings.first_response_s - readings.started_s
        end as waiting_time_business_s,
        case
            when measured.support_time_s is not null and measured.schedule_id is not null
                then readings.last_agent_message_s - readings.first_response_s
        end as support_time_business_s,
        case
            when measured.session_duration_s is not null and measured.schedule_id is not null
                then readings.done_s - readings.started_s
        end as session_duration_business_s,
        replies.avg_response_time_business_s
    from measured
    left join readings
        on measured.session_id = readings.session_id
    left join replies
        on measured.session_id = replies.session_id
)

select * from final
