-- Every session-grain report table counts each session of fct_sessions exactly once,
-- and its done / supported / waiting totals equal those of the facts. Returns one row
-- per report table whose figures differ from the facts.

with

facts as (

    select
        count(*) as sessions,
        sum(case when is_completed then 1 else 0 end) as done_sessions,
        sum(case when is_supported then 1 else 0 end) as supported_sessions,
        count(waiting_time_s) as sessions_with_waiting_time,
        coalesce(sum(waiting_time_s), 0) as total_waiting_time_s
    from {{ ref('fct_sessions') }}

),

overview as (

    select
        'rpt_overview_daily' as report_table,
        sum(sessions) as sessions,
        sum(done_sessions) as done_sessions,
        cast(null as {{ dbt.type_bigint() }}) as supported_sessions,
        sum(sessions_with_waiting_time) as sessions_with_waiting_time,
        coalesce(sum(total_waiting_time_s), 0) as total_waiting_time_s
    from {{ ref('rpt_overview_daily') }}

),

hourly as (

    select
        'rpt_hourly_stats' as report_table,
        sum(sessions) as sessions,
        sum(done_sessions) as done_sessions,
        sum(supported_sessions) as supported_sessions,
        cast(null as {{ dbt.type_bigint() }}) as sessions_with_waiting_time,
        cast(null as {{ omnireport.type_double() }}) as total_waiting_time_s
    from {{ ref('rpt_hourly_stats') }}

),

daily as (

    select
        'rpt_daily_stats' as report_table,
        sum(sessions) as sessions,
        sum(done_supported + done_not_supported) as done_sessions,
        sum(done_supported + not_done_supported) as supported_sessions,
        cast(null as {{ dbt.type_bigint() }}) as sessions_with_waiting_time,
        cast(null as {{ omnireport.type_double() }}) as total_waiting_time_s
    from {{ ref('rpt_daily_stats') }}

),

channel as (

    select
        'rpt_channel_stats' as report_table,
        sum(sessions) as sessions,
        sum(done_supported + done_not_supported) as done_sessions,
        sum(done_supported + not_done_supported) as supported_sessions,
        sum(sessions_with_waiting_time) as sessions_with_waiting_time,
        coalesce(sum(total_waiting_time_s), 0) as total_waiting_time_s
    from {{ ref('rpt_channel_stats') }}

),

reports as (

    select * from overview
    union all
    select * from hourly
    union all
    select * from daily
    union all
    select * from channel

)

select
    reports.*,
    facts.sessions as fact_sessions
from reports
cross join facts
where
    coalesce(reports.sessions, 0) <> facts.sessions
    or coalesce(reports.done_sessions, 0) <> facts.done_sessions
    or coalesce(reports.supported_sessions, facts.supported_sessions) <> facts.supported_sessions
    or coalesce(reports.sessions_with_waiting_time, facts.sessions_with_waiting_time)
    <> facts.sessions_with_waiting_time
    or abs(coalesce(reports.total_waiting_time_s, facts.total_waiting_time_s) - facts.total_waiting_time_s)
    > 1e-6 * (1 + abs(facts.total_waiting_time_s))
