{#- The schedule each session is measured against (CONTRACT.md 7.2): its channel's in
    channel_schedules; a channel without a row there uses the schedule `default`; a
    schedule counts only with at least one valid business_hours row, else the session has
    none (a mapping to such a schedule does not fall back to `default`). -#}

with

sessions as (
    select
        session_id,
        channel_id
    from {{ ref('stg_crm__sessions') }}
    {{ omnireport.in_scope('session_id') }}
),

mappings as (
    select
        channel_id,
        schedule_id
    from {{ ref('stg_crm__channel_schedules') }}
),

schedules as (
    select distinct schedule_id from {{ ref('stg_crm__business_hours') }}
),

final as (
    select
        sessions.session_id,
        case
            when mappings.channel_id is not null then schedules.schedule_id
            else (select max(defaults.schedule_id) from schedules as defaults where defaults.schedule_id = 'default')
        end as schedule_id
    from sessions
    left join mappings
        on sessions.channel_id = mappings.channel_id
    left join schedules
        on mappings.schedule_id = schedules.schedule_id
)

select * from final
