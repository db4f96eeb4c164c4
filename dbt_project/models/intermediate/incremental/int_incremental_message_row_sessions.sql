{#- The sessions whose rows of fct_messages an incremental run rewrites: those whose
    messages changed (int_incremental_message_sessions) and those with a message on a
    channel that got another name or type, since each message row carries its channel's
    name (CONTRACT.md 6.19). Empty before the first build and in a full build. -#}

with

changed_channels as (
    {{ omnireport.changed_dimension_ids('channels', 'channel_id', ['channel_name', 'channel_type']) }}
),

sessions_with_messages_on_changed_channels as (
    select session_id
    from {{ ref('stg_crm__messages') }}
    where channel_id in (select changed_id from changed_channels)
),

final as (
    select session_id from {{ ref('int_incremental_message_sessions') }}
    union
    select session_id from sessions_with_messages_on_changed_channels
)

select distinct session_id from final where session_id is not null
