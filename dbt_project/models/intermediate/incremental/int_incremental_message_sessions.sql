{#- The sessions whose message statistics an incremental run recomputes: the sessions with a
    new good version (a late message counts once its session arrives, CONTRACT.md 6.11),
    and the old and new session of every message with a new good version (every raw
    version of it: a re-export can move it). Only the session-grain models of message rows
    replace this scope (meta incremental_scopes in dbt_project.yml): a renamed contact or
    channel, a tag or an unanswered session that may flip changes no message statistic,
    so their sessions are in int_incremental_sessions only. Empty before the first build
    and in a full build. -#}

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

final as (
    select session_id from new_session_versions
    union
    select session_id from sessions_of_changed_messages
)

select distinct session_id from final where session_id is not null
