-- The backlog at the end of a date never counts more sessions than had started by then
-- (CONTRACT.md 7.6), per channel and support type.

with

backlog as (

    select * from {{ ref('rpt_backlog_daily') }}

),

started as (

    select
        backlog.snapshot_date,
        backlog.channel_id,
        backlog.support_type,
        backlog.open_sessions,
        count(sessions.session_id) as started_by_then
    from backlog
    left join {{ ref('fct_sessions') }} as sessions
        on
            backlog.channel_id = sessions.channel_id
            and backlog.support_type = sessions.support_type
            and backlog.snapshot_date >= sessions.started_date
    group by
        backlog.snapshot_date,
        backlog.channel_id,
        backlog.support_type,
        backlog.open_sessions

)

select * from started
where open_sessions > started_by_then
