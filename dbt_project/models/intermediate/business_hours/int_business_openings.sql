{#- One row per opening of a schedule on a local date (CONTRACT.md 7.2): each row of the
    version in force on that date (the greatest valid_from on or before it; a null
    valid_from is earlier than every date) whose weekday is the date's ISO weekday opens
    [date opens_at, date closes_at), read as wall-clock time in the row's own time zone and
    converted to UTC (`24:00` is the first instant of the next day; a time in a gap moves
    forward by the gap, a time in a fold is its first occurrence). No opening on a holiday
    of the schedule. An opening a gap turns inside out opens nothing. Openings may overlap:
    int_business_open_pieces counts them once. -#}

{%- set earliest = "cast('0001-01-01' as date)" -%}

with

hours as (
    select
        schedule_id,
        coalesce(valid_from, {{ earliest }}) as version_from,
        time_zone,
        weekday,
        opens_at,
        closes_at
    from {{ ref('stg_crm__business_hours') }}
),

holidays as (
    select
        schedule_id,
        holiday_date
    from {{ ref('stg_crm__holidays') }}
),

days as (
    select day from {{ ref('int_business_days') }}
),

versions as (
    select distinct
        schedule_id,
        version_from
    from hours
),

version_in_force as (
    select
        versions.schedule_id,
        days.day,
        max(versions.version_from) as version_from
    from versions
    inner join days
        on versions.version_from <= days.day
    group by
        versions.schedule_id,
        days.day
),

openings as (
    select
        hours.schedule_id,
        days.day as local_date,
        hours.time_zone,
        {{ omnireport.add_seconds('cast(days.day as ' ~ dbt.type_timestamp() ~ ')', 'hours.opens_at * 60') }} as opens_wall,
        {{ omnireport.add_seconds('cast(days.day as ' ~ dbt.type_timestamp() ~ ')', 'hours.closes_at * 60') }} as closes_wall
    from hours
    inner join version_in_force
        on
            hours.schedule_id = version_in_force.schedule_id
            and hours.version_from = version_in_force.version_from
    inner join days
        on
            version_in_force.day = days.day
            and hours.weekday = {{ omnireport.iso_weekday('days.day') }}
    left join holidays
        on
            hours.schedule_id = holidays.schedule_id
            and days.day = holidays.holiday_date
    where holidays.schedule_id is null
),

converted as (
    select
        schedule_id,
        local_date,
        time_zone,
        {{ omnireport.wall_clock_to_utc('opens_wall', 'time_zone') }} as opens_at,
        {{ omnireport.wall_clock_to_utc('closes_wall', 'time_zone') }} as closes_at
    from openings
),

final as (
    select
        schedule_id,
        local_date,
        time_zone,
        opens_at,
        closes_at
    from converted
    where closes_at > opens_at
)

select * from final
