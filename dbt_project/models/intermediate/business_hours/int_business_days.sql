{#- The calendar the business clock works on: every date from two days before the earliest
    session start or message to two days after the latest session end or message (UTC),
    wide enough to hold every local date of every time zone those instants fall on. -#}

with

instants as (
    select
        min(started_at) as first_at,
        max(coalesce(done_at, started_at)) as last_at
    from {{ ref('stg_crm__sessions') }}
    union all
    select
        min(sent_at) as first_at,
        max(sent_at) as last_at
    from {{ ref('stg_crm__messages') }}
),

bounds as (
    select
        {{ dbt.dateadd('day', -2, 'min(first_at)') }} as first_at,
        {{ dbt.dateadd('day', 2, 'max(last_at)') }} as last_at
    from instants
),

final as (
    select day from {{ omnireport.days_between('bounds', 'first_at', 'last_at') }} as days
)

select * from final
