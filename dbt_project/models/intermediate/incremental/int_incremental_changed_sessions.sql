{#- The sessions whose content an incremental run recomputes because of new raw rows
    (issue 5): sessions with a new version, and the old and new session of every message
    and tag event with a new version (every raw version of it: a re-export can move it;
    quarantined versions only widen the scope, and not validating every raw row keeps this
    cheap). Sessions that only need new names (a renamed contact, channel, assignee,
    category or tag) are int_incremental_renamed_sessions: their metrics are not
    recomputed. Empty in a full build. -#}

/* depends_on: {{ ref('base_crm__messages_validated') }} */
/* depends_on: {{ ref('base_crm__sessions_validated') }} */
/* depends_on: {{ ref('base_crm__tag_events_validated') }} */

{%- set full_run = omnireport.incremental_is_full_run() -%}
{%- set last_load_id = omnireport.incremental_last_load_id() -%}

with

{% if full_run %}

    final as (
        {{ omnireport.incremental_empty_scope({'session_id': dbt.type_string()}) }}
    ),

{% else %}

    new_session_versions as (
        {{ omnireport.keys_with_new_versions('base_crm__sessions_validated', ['session_id'], last_load_id) }}
    ),

    changed_message_ids as (
        {{ omnireport.keys_with_new_versions('base_crm__messages_validated', ['message_id'], last_load_id) }}
    ),

    sessions_of_changed_messages as (
        select session_id
        from {{ ref('base_crm__messages_validated') }}
        where message_id in (select message_id from changed_message_ids)
    ),

    changed_tag_event_ids as (
        {{ omnireport.keys_with_new_versions('base_crm__tag_events_validated', ['tag_event_id'], last_load_id) }}
    ),

    sessions_of_changed_tag_events as (
        select session_id
        from {{ ref('base_crm__tag_events_validated') }}
        where tag_event_id in (select tag_event_id from changed_tag_event_ids)
    ),

    final as (
        select session_id from new_session_versions
        union
        select session_id from sessions_of_changed_messages
        union
        select session_id from sessions_of_changed_tag_events where session_id is not null
    ),

{% endif %}

deduplicated as (
    select distinct session_id from final where session_id is not null
)

select * from deduplicated
