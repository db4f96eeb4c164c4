-- The sessions of fct_conversations add up to fct_sessions, conversation by conversation
-- (CONTRACT.md 7.5), and so do their messages and replies.

with

from_sessions as (

    select
        conversation_id,
        count(*) as sessions,
        sum(total_messages) as total_messages,
        sum(reply_count) as replies
    from {{ ref('fct_sessions') }}
    group by conversation_id

),

conversations as (

    select
        conversation_id,
        sessions,
        total_messages,
        replies
    from {{ ref('fct_conversations') }}

)

select
    coalesce(from_sessions.conversation_id, conversations.conversation_id) as conversation_id,
    from_sessions.sessions as sessions_in_fct_sessions,
    conversations.sessions as sessions_in_fct_conversations
from from_sessions
full outer join conversations
    on from_sessions.conversation_id = conversations.conversation_id
where
    from_sessions.conversation_id is null
    or conversations.conversation_id is null
    or from_sessions.sessions <> conversations.sessions
    or from_sessions.total_messages <> conversations.total_messages
    or from_sessions.replies <> conversations.replies
