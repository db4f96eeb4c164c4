{#- The sessions whose business time an incremental run recomputes (CONTRACT.md 7.2-7.4):
    every session of int_incremental_sessions, and every session whose channel's schedule
    mapping, or whose schedule's opening hours or holidays, got a good row since the last
    build (a session without a mapping follows the schedule `default`). Only the
    business-time models and the marts that carry their columns replace this scope
    (meta incremental_scopes in dbt_project.yml): a changed schedule moves no message, reply or tag. Empty
    before the first build and in a full build. -#}

with

previous_build as (
    select last_load_id
    from {{ omnireport.previous_build() }} as previous
),

changed_schedules as (
    select schedule_id
    from {{ ref('base_crm__business_hours_validated') }}
    where _reason is null and _load_id > (select last_load_id from previous_build)
    union
    select schedule_id
    from {{ ref('base_crm__holidays_validated') }}
    where _reason is null and _load_id > (select last_load_id from previous_build)
),

changed_mappings as (
    select channel_id
    from {{ ref('base_crm__channel_schedules_validated') }}
    where _reason is null and _load_id > (select last_load_id from previous_build)
),

sessions_of_changed_schedules as (
    select sessions.session_id
    from {{ ref('stg_crm__sessions') }} as sessions
    left join {{ ref('stg_crm__channel_schedules') }} as mappings
        on sessions.channel_id = mappings.channel_id
    where
        sessions.channel_id in (select channel_id from changed_mappings)
        or mappings.schedule_id in (select schedule_id from changed_schedules)
        or (
            mappings.channel_id is null
            and exists (select 1 from changed_schedules where schedule_id = 'default')
        )
),

final as (
    select session_id from {{ ref('int_incremental_sessions') }}
    union
    select session_id from sessions_of_changed_schedules
)

select distinct session_id from final where session_id is not null
