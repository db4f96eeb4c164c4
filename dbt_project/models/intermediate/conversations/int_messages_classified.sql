{#- Every message whose session is loaded, with its sender kind (CONTRACT.md 3):
    contact (incoming), agent (outgoing with an agent), page (outgoing without one:
    automatic replies and bot messages, never support). A message whose session is
    missing or quarantined is late (section 4, 6.11) and held out until it arrives. -#}

{%- set incremental_scope = [('session_id', 'int_incremental_changed_sessions', 'session_id')] -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'incremental_scope': incremental_scope},
    pre_hook="{{ omnireport.incremental_delete_model_scope() }}",
) }}
{{ omnireport.incremental_scope_depends_on(incremental_scope) }}


with

messages as (

    select * from {{ ref('stg_crm__messages') }}
    {{ omnireport.incremental_scope_filter(incremental_scope) }}

),

sessions as (

    select session_id from {{ ref('stg_crm__sessions') }}
    {{ omnireport.incremental_scope_filter(incremental_scope) }}

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
