{#- The tag events with a new version since the last build, with the local event_date of
    every raw version of each (a re-export can move an event to another day, tag, channel
    or session). Empty in a full build. -#}

/* depends_on: {{ ref('base_crm__tag_events_validated') }} */

{%- set full_run = omnireport.incremental_is_full_run() -%}
{%- set last_load_id = omnireport.incremental_last_load_id() -%}

with

{% if full_run %}

    final as (
        {{ omnireport.incremental_empty_scope({'tag_event_id': dbt.type_string(), 'event_date': 'date'}) }}
    ),

{% else %}

    changed_ids as (
        {{ omnireport.keys_with_new_versions('base_crm__tag_events_validated', ['tag_event_id'], last_load_id) }}
    ),

    final as (
        select
            tag_event_id,
            {{ omnireport.local_date('event_at') }} as event_date
        from {{ ref('base_crm__tag_events_validated') }}
        where tag_event_id in (select tag_event_id from changed_ids)
    ),

{% endif %}

deduplicated as (
    select distinct
        tag_event_id,
        event_date
    from final
)

select * from deduplicated
