{#- The agents whose pauses an incremental run recomputes from their whole status log
    (pauses span batches): every user of every raw version of a status event with a new
    version since the last build. Empty in a full build. -#}

/* depends_on: {{ ref('base_crm__agent_status_events_validated') }} */

{%- set full_run = omnireport.incremental_is_full_run() -%}
{%- set last_load_id = omnireport.incremental_last_load_id() -%}

with

{% if full_run %}

    final as (
        {{ omnireport.incremental_empty_scope({'user_id': dbt.type_string()}) }}
    ),

{% else %}

    changed_ids as (
        {{ omnireport.keys_with_new_versions('base_crm__agent_status_events_validated', ['event_id'], last_load_id) }}
    ),

    final as (
        select user_id
        from {{ ref('base_crm__agent_status_events_validated') }}
        where event_id in (select event_id from changed_ids)
    ),

{% endif %}

deduplicated as (
    select distinct user_id from final where user_id is not null
)

select * from deduplicated
