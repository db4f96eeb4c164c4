{#- One row per schedule and UTC date of the calendar: the schedule's open seconds before
    that date began (0 before its first opening). -#}

with

schedules as (
    select distinct schedule_id from {{ ref('stg_crm__business_hours') }}
),

days as (
    select day from {{ ref('int_business_days') }}
),

open_per_day as (
    select
        schedule_id,
        utc_date,
        sum(open_s) as open_s
    from {{ ref('int_business_open_pieces') }}
    group by
        schedule_id,
        utc_date
),

calendar as (
    select
        schedules.schedule_id,
        days.day as utc_date,
        coalesce(open_per_day.open_s, 0) as open_s
    from schedules
    cross join days
    left join open_per_day
        on
            schedules.schedule_id = open_per_day.schedule_id
            and days.day = open_per_day.utc_date
),

final as (
    select
        schedule_id,
        utc_date,
        cast(coalesce(
            sum(open_s) over (
                partition by schedule_id
                order by utc_date
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as {{ omnireport.type_double() }}) as open_before_day_s
    from calendar
)

select * from final
