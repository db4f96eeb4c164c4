{#- The local event_date partitions rpt_tag_stats replaces in an incremental run: the date
    of every raw version of every tag event in the run's scope (a re-export can move an
    event to another day). -#}

with

final as (
    select {{ omnireport.local_date('event_at') }} as event_date
    from {{ ref('base_crm__tag_events_validated') }}
    where tag_event_id in (select tag_event_id from {{ ref('int_incremental_tag_events') }})
)

select distinct event_date from final where event_date is not null
