{#- The snapshot dates rpt_backlog_daily replaces in an incremental run: every date from
    the earliest local start of any raw version of a session in the run's scope, or from
    the last build's as-of date, to the later of that and the new as-of date (the as-of
    date moves with the newest message, CONTRACT.md 7.6). -#}

with

previous_build as (
    select newest_sent_at from {{ omnireport.previous_build() }} as previous
),

changed_starts as (
    select min({{ omnireport.local_date('started_at') }}) as first_date
    from {{ ref('base_crm__sessions_validated') }}
    where session_id in (select session_id from {{ ref('int_incremental_sessions') }})
),

as_of as (
    select
        {{ omnireport.local_date('previous_build.newest_sent_at') }} as previous_date,
        {{ omnireport.local_date('newest.newest_sent_at') }} as current_date_
    from previous_build
    cross join (select max(newest_sent_at) as newest_sent_at from {{ ref('int_newest_message') }}) as newest
),

bounds as (
    select
        least(
            coalesce(changed_starts.first_date, as_of.previous_date, as_of.current_date_),
            coalesce(as_of.previous_date, as_of.current_date_),
            coalesce(as_of.current_date_, as_of.previous_date)
        ) as first_date,
        greatest(
            coalesce(as_of.previous_date, as_of.current_date_),
            coalesce(as_of.current_date_, as_of.previous_date)
        ) as last_date
    from as_of
    cross join changed_starts
),

final as (
    select day as snapshot_date
    from {{ omnireport.days_between('bounds', 'first_date', 'last_date') }} as days
)

select * from final
