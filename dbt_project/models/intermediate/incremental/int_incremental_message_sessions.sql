{#- The sessions whose messages an incremental run recomputes: the sessions with a new good
    version (a late message counts once its session arrives, CONTRACT.md 6.11), the old and
    new session of every message with a new good version (every raw version of it: a
    re-export can move it), and the sessions with a message on a renamed channel
    (fct_messages carries its channel's name, 6.19). Only the models of message rows replace
    this scope (meta incremental_scopes in dbt_project.yml): a renamed contact, a tag or an
    unanswered session that may flip changes no message, so their sessions are in
    int_incremental_sessions only. Empty before the first build and in a full build. -#}

with

new_session_versions as (
    {{ omnireport.keys_with_new_versions('base_crm__sessions_validated', ['session_id']) }}
),

sessions_of_changed_messages as (
    select session_id
    from {{ ref('base_crm__messages_validated') }}
    where message_id in (
        {{ omnireport.keys_with_new_versions('base_crm__messages_validated', ['message_id']) }}
    )
),

changed_channels as (
    {{ omnireport.changed_dimension_ids('channels', 'channel_id', ['channel_name', 'channel_type']) }}
),

sessions_with_messages_on_changed_channels as (
    select session_id
    from {{ ref('stg_crm__messages') }}
    where channel_id in (select changed_id from changed_channels)
),

final as (
    select session_id from new_session_versions
    union
    select session_id from sessions_of_changed_messages
    union
    select session_id from sessions_with_messages_on_changed_channels
)

select distinct session_id from final where session_id is not null
