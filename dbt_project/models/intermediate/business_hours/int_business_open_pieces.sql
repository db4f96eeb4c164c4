{#- The open time of each schedule, overlaps counted once (CONTRACT.md 7.2), cut at UTC
    midnight: one row per piece of open time within one UTC date, with the open seconds of
    the schedule before the piece. Business seconds up to an instant are then the open
    seconds before its UTC date (int_business_open_days) plus the part of that date's few
    pieces before it: two lookups, however long the span. -#}

with

openings as (
    select
        schedule_id,
        opens_at,
        closes_at
    from {{ ref('int_business_openings') }}
),

ordered as (
    select
        openings.*,
        max(closes_at) over (
            partition by schedule_id
            order by opens_at, closes_at
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from openings
),

islands as (
    select
        ordered.*,
        sum(case when reach_before is null or opens_at > reach_before then 1 else 0 end) over (
            partition by schedule_id
            order by opens_at, closes_at
            rows between unbounded preceding and current row
        ) as island
    from ordered
),

merged as (
    select
        schedule_id,
        min(opens_at) as opens_at,
        max(closes_at) as closes_at
    from islands
    group by
        schedule_id,
        island
),

days as (
    select day from {{ ref('int_business_days') }}
),

pieces as (
    select
        merged.schedule_id,
        days.day as utc_date,
        case
            when merged.opens_at > cast(days.day as {{ dbt.type_timestamp() }}) then merged.opens_at
            else cast(days.day as {{ dbt.type_timestamp() }})
        end as piece_start,
        case
            when merged.closes_at < cast({{ dbt.dateadd('day', 1, 'days.day') }} as {{ dbt.type_timestamp() }})
                then merged.closes_at
            else cast({{ dbt.dateadd('day', 1, 'days.day') }} as {{ dbt.type_timestamp() }})
        end as piece_end
    from merged
    inner join days
        on days.day between cast(merged.opens_at as date) and cast(merged.closes_at as date)
),

measured as (
    select
        schedule_id,
        utc_date,
        piece_start,
        piece_end,
        {{ omnireport.seconds_between('piece_start', 'piece_end') }} as open_s
    from pieces
    where piece_end > piece_start
),

final as (
    select
        measured.*,
        coalesce(
            sum(open_s) over (
                partition by schedule_id
                order by piece_start
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as open_before_s
    from measured
)

select * from final
