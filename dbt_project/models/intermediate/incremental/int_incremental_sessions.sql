{#- The sessions an incremental run recomputes, in every session-grain model: those whose
    message rows it rewrites (int_incremental_message_row_sessions: new session versions,
    the sessions of changed messages, of messages on a renamed channel); the old and new session
    of every tag event with a new good version (every raw version of it: a re-export can
    move it); the sessions no agent answered whose unanswered_24h may flip because the newest
    sent_at moved (CONTRACT.md 3, 6.10); and the sessions that carry a dimension name that
    changed (contact, channel, assignee, category chain, current tag). A changed
    business-hours schedule is not here: it changes only business time
    (int_incremental_business_sessions). Empty before the first build and in a full build. -#}

{%- set window_hours = var('unanswered_window_hours') -%}

with

previous_build as (
    select
        last_load_id,
        newest_sent_at
    from {{ omnireport.previous_build() }} as previous
),

sessions_of_changed_tag_events as (
    select session_id
    from {{ ref('base_crm__tag_events_validated') }}
    where tag_event_id in (
        {{ omnireport.keys_with_new_versions('base_crm__tag_events_validated', ['tag_event_id']) }}
    )
),

newest_message as (
    select
        previous_build.newest_sent_at as previous_newest_sent_at,
        newest.newest_sent_at
    from previous_build
    cross join (
        select max(newest_sent_at) as newest_sent_at
        from {{ ref('int_newest_message') }}
    ) as newest
    where previous_build.newest_sent_at is distinct from newest.newest_sent_at
),

unanswered_candidates as (
    -- A session no agent answered is unanswered_24h once the newest sent_at is more than
    -- the window after its start: when the newest sent_at moves, the sessions that started
    -- within the window (and an hour of margin) before the old or the new one may flip.
    select sessions.session_id
    from {{ ref('stg_crm__sessions') }} as sessions
    cross join newest_message
    where
        (
            newest_message.previous_newest_sent_at is null
            or newest_message.newest_sent_at is null
            or (
                sessions.started_at >= {{ dbt.dateadd('hour', -(window_hours + 1), 'least(newest_message.previous_newest_sent_at, newest_message.newest_sent_at)') }}
                and sessions.started_at <= greatest(newest_message.previous_newest_sent_at, newest_message.newest_sent_at)
            )
        )
        and not exists (
            select 1
            from {{ ref('stg_crm__messages') }} as messages
            where
                messages.session_id = sessions.session_id
                and messages.direction = 'outgoing'
                and messages.agent_user_id is not null
        )
),

changed_contacts as (
    {{ omnireport.changed_dimension_ids('contacts', 'contact_id', ['display_name', 'channel_id', 'external_id']) }}
),

changed_channels as (
    {{ omnireport.changed_dimension_ids('channels', 'channel_id', ['channel_name', 'channel_type']) }}
),

changed_users as (
    {{ omnireport.changed_dimension_ids('users', 'user_id', ['full_name', 'email', 'is_active']) }}
),

changed_tags as (
    {{ omnireport.changed_dimension_ids('tags', 'tag_id', ['tag_name']) }}
),

changed_categories as (
    {{ omnireport.changed_dimension_ids('categories', 'category_id', ['category_name', 'parent_id']) }}
),

category_links as (
    -- a category's names come from itself, its parent and its grandparent (6.18)
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
    from {{ ref('stg_crm__sessions') }}
    where
        contact_id in (select changed_id from changed_contacts)
        or channel_id in (select changed_id from changed_channels)
        or assigned_user_id in (select changed_id from changed_users)
        or category_id in (select category_id from affected_categories)
),

sessions_of_changed_tags as (
    select session_id
    from {{ ref('stg_crm__tag_events') }}
    where tag_id in (select changed_id from changed_tags)
),

final as (
    select session_id from {{ ref('int_incremental_message_row_sessions') }}
    union
    select session_id from sessions_of_changed_tag_events
    union
    select session_id from unanswered_candidates
    union
    select session_id from sessions_of_changed_dimensions
    union
    select session_id from sessions_of_changed_tags
)

select distinct session_id from final where session_id is not null
