{#- The sessions an incremental run gives new names only (issue 5): sessions whose
    contact, channel, assignee, category (or its parent or grandparent) or current tag got
    another name, read from the marts as the last build left them. Only the models that
    carry those names recompute them (fct_sessions, the session tag names and bridge, and
    the report dates they start on); their metrics stay as they are. fct_messages, whose
    only name is its channel's, updates that name in place instead
    (incremental_update_model_names), so a renamed channel rewrites none of its messages.
    A dimension re-exported with the same values touches nothing. Empty in a full build. -#}

/* depends_on: {{ ref('base_crm__categories_validated') }} */
/* depends_on: {{ ref('base_crm__channels_validated') }} */
/* depends_on: {{ ref('base_crm__contacts_validated') }} */
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
    {%- set previous_bridge = omnireport.incremental_existing_relation('bridge_session_tags') -%}

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

    sessions_of_renamed_tags as (
        select session_id
        from {{ previous_bridge }}
        where tag_id in (select changed_id from changed_tags)
    ),

    final as (
        select session_id from sessions_of_changed_dimensions
        union
        select session_id from sessions_of_renamed_tags
    ),

{% endif %}

deduplicated as (
    select distinct session_id from final where session_id is not null
)

select * from deduplicated
