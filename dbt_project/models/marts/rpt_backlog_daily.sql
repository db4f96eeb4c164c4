{#- The backlog at the end of each local date (CONTRACT.md 7.6): a session is in it when it
    started before the end of the date (the first instant of the next local date in var
    report_timezone, so a day of 23 or 25 hours is right) and is open, or done with done_at
    at or after that end; a done session without done_at is in no backlog. Snapshot dates
    run from the earliest started_date to the as-of date, the local date of the newest
    sent_at in the data (no messages: no backlog). Rows only where something is open. -#}

with

sessions as (

    select
        session_id,
        channel_id,
        support_type,
        assigned_user_id,
        started_at,
        started_date,
        status,
        done_at
    from {{ ref('int_session_metrics') }}
    where status = 'open' or done_at is not null

),

bounds as (

    select
        (select min(started_date) from {{ ref('int_session_metrics') }}) as first_date,
        (
            select {{ omnireport.local_date('max(newest_sent_at)') }}
            from {{ ref('int_newest_message') }}
        ) as as_of_date

),

snapshot_days as (

    select day as snapshot_date
    from {{ omnireport.days_between('bounds', 'first_date', 'as_of_date') }} as days
    {{ omnireport.in_scope('snapshot_date', expression='day') }}

),

day_ends as (

    select
        snapshot_date,
        {{ omnireport.wall_clock_to_utc(
            'cast(' ~ dbt.dateadd('day', 1, 'snapshot_date') ~ ' as ' ~ dbt.type_timestamp() ~ ')',
            "'" ~ var('report_timezone') ~ "'"
        ) }} as day_end_at
    from snapshot_days

),

in_backlog as (

    select
        day_ends.snapshot_date,
        day_ends.day_end_at,
        sessions.*
    from day_ends
    inner join sessions
        on
            day_ends.day_end_at > sessions.started_at
            and (sessions.status = 'open' or day_ends.day_end_at <= sessions.done_at)

),

final as (

    select
        snapshot_date,
        channel_id,
        support_type,
        cast(count(*) as {{ dbt.type_bigint() }}) as open_sessions,
        {{ omnireport.count_where('assigned_user_id is null') }} as unassigned_open_sessions,
        {{ omnireport.count_where(omnireport.seconds_between('started_at', 'day_end_at') ~ ' > 86400') }} as open_over_24h,
        min(started_at) as oldest_started_at
    from in_backlog
    group by
        snapshot_date,
        channel_id,
        support_type

)

select * from final
