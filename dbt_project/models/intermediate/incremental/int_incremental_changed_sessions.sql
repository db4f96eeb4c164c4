{#- The sessions an incremental run recomputes because of new raw rows (issue 5): sessions
    with a new version; the old and new session of every message and tag event with a new
    version (every raw version of it: a re-export can move it; quarantined versions only widen
    the scope, and not validating every raw row keeps this cheap); and the sessions whose
    contact, channel, assignee, category (or its parent or grandparent) or current tag got
    another name, or whose messages' channel did. Empty in a full build. -#}

/* depends_on: {{ ref('base_crm__categories_validated') }} */
/* depends_on: {{ ref('base_crm__channels_validated') }} */
/* depends_on: {{ ref('base_crm__contacts_validated') }} */
/* depends_on: {{ ref('base_crm__messages_validated') }} */
/* depends_on: {{ ref('base_crm__sessions_validated') }} */
/* depends_on: {{ ref('base_crm__tag_events_validated') }} */
/* depends_on: {{ ref('base_crm__tags_validated') }} */
/* depends_on: {{ ref('base_crm__users_validated') }} */
/* depends_on: {{ ref('stg_crm__categories') }} */
/* depends_on: {{ ref('stg_crm__channels') }} */
/* depends_on: {{ ref('stg_crm__contacts') }} */
/* depends_on: {{ ref('stg_crm__tags') }} */
/* depends_on: {{ ref('stg_crm__users') }} */

{%- set full_run = omnireport.incremental_is_full_run() -%}
{%- set last_load_id = omnireport.incremental_last_load_id() -%}

with

{% if full_run %}

    final as (
        {{ omnireport.incremental_empty_scope({'session_id': dbt.type_string()}) }}
    ),

{% else %}

    {%- set previous_sessions = omnireport.incremental_existing_relation('fct_sessions') -%}
    {%- set previous_messages = omnireport.incremental_existing_relation('fct_messages') -%}
    {%- set previous_bridge = omnireport.incremental_existing_relation('bridge_session_tags') -%}

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

    changed_contacts as (
        {{ omnireport.incremental_changed_dimension_ids('contacts', 'contact_id', ['display_name', 'channel_id', 'external_id'], last_load_id) }}
    ),

    changed_channels as (
        {{ omnireport.incremental_changed_dimension_ids('channels', 'channel_id', ['channel_name', 'channel_type'], last_load_id) }}
    ),

    changed_users as (
        {{ omnireport.incremental_changed_dimension_ids('users', 'user_id', ['full_name', 'email', 'is_active'], last_load_id) }}
    ),

    changed_tags as (
        {{ omnireport.incremental_changed_dimension_ids('tags', 'tag_id', ['tag_name'], last_load_id) }}
    ),

    changed_categories as (
        {{ omnireport.incremental_changed_dimension_ids('categories', 'category_id', ['category_name', 'parent_id'], last_load_id) }}
    ),

    {#- A category's names come from itself, its parent and its grandparent (6.18). -#}
    category_links as (
        select
            category_id,
            parent_id
        from {{ ref('stg_crm__categories') }}
    ),

    categories_below_changed as (
        select category_id
        from category_links
        where parent_id in (select changed_id from changed_categories)
    ),

    affected_categories as (
        select changed_id as category_id from changed_categories
        union
        select category_id from categories_below_changed
        union
        select category_id
        from category_links
        where parent_id in (select category_id from categories_below_changed)
    ),

    sessions_of_changed_dimensions as (
        select session_id
        from {{ previous_sessions }}
        where
            contact_id in (select changed_id from changed_contacts)
            or channel_id in (select changed_id from changed_channels)
            or assigned_user_id in (select changed_id from changed_users)
            or category_id in (select category_id from affected_categories)
    ),

    sessions_of_renamed_message_channels as (
        select session_id
        from {{ previous_messages }}
        where channel_id in (select changed_id from changed_channels)
    ),

    sessions_of_renamed_tags as (
        select session_id
        from {{ previous_bridge }}
        where tag_id in (select changed_id from changed_tags)
    ),

    final as (
        select session_id from new_session_versions
        union
        select session_id from sessions_of_changed_messages
        union
        select session_id from sessions_of_changed_tag_events where session_id is not null
        union
        select session_id from sessions_of_changed_dimensions
        union
        select session_id from sessions_of_renamed_message_channels
        union
        select session_id from sessions_of_renamed_tags
    ),

{% endif %}

deduplicated as (
    select distinct session_id from final where session_id is not null
)

select * from deduplicated
