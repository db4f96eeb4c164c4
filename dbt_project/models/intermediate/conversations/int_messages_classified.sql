{#- Every message whose session is loaded, with its sender kind (CONTRACT.md 3):
    contact (incoming), agent (outgoing with an agent), page (outgoing without one:
    automatic replies and bot messages, never support). A message whose session is
    missing or quarantined is late (section 4, 6.11) and held out until it arrives.

    A view, not a table: it adds one column to stg_crm__messages, and storing it
    wrote every message, text included, a second time. Each reader applies its own
    incremental scope to it, and DuckDB applies that filter to stg_crm__messages before
    the join (a semi join on the scan). -#}
{{ config(materialized='view') }}

with

messages as (

    select * from {{ ref('stg_crm__messages') }}

),

sessions as (

    select session_id from {{ ref('stg_crm__sessions') }}

),

classified as (

    select
        messages.message_id,
        messages.conversation_id,
        messages.session_id,
        messages.channel_id,
        messages.initiated_by,
        messages.direction,
        messages.from_id,
        messages.to_id,
        messages.agent_user_id,
        messages.sent_at,
        messages.content_type,
        messages.content,
        messages.template_id,
        messages.template_name,
        messages.media_url,
        messages.status,
        messages.status_updated_at,
        case
            when messages.direction = 'incoming' then 'contact'
            when messages.agent_user_id is not null then 'agent'
            else 'page'
        end as sender_kind

    from messages
    inner join sessions
        on messages.session_id = sessions.session_id

)

select * from classified
