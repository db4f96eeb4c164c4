{#- The agents whose pauses an incremental run recomputes from their whole status log
    (pauses span batches): the user of every raw version of a status event with a new good
    version since the last build. -#}

with

final as (
    select user_id
    from {{ ref('base_crm__agent_status_events_validated') }}
    where event_id in (
        {{ omnireport.keys_with_new_versions('base_crm__agent_status_events_validated', ['event_id']) }}
    )
)

select distinct user_id from final where user_id is not null
