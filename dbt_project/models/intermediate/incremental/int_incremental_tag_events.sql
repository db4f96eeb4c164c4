{#- The tag events an incremental run recomputes: those with a new good version since the
    last build, and those of the sessions in the run's scope (a session that arrives late
    lets its held-out events count, CONTRACT.md 6.11). -#}

with

final as (
    {{ omnireport.keys_with_new_versions('base_crm__tag_events_validated', ['tag_event_id']) }}
    union
    select tag_event_id
    from {{ ref('stg_crm__tag_events') }}
    where session_id in (select session_id from {{ ref('int_incremental_sessions') }})
)

select distinct tag_event_id from final
