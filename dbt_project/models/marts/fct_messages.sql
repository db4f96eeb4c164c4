{%- set incremental_scope = [('session_id', 'int_incremental_changed_sessions', 'session_id')] -%}
{#- A renamed channel is not a scope: its messages keep their rows, and the pre-hook
    incremental_update_model_names sets their channel_name in place (issue 5). -#}
{%- set incremental_names = [('channel_name', 'dim_channels', 'channel_id')] -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'incremental_scope': incremental_scope, 'incremental_names': incremental_names},
    pre_hook=[
        "{{ omnireport.incremental_delete_model_scope() }}",
        "{{ omnireport.incremental_update_model_names() }}",
    ],
) }}
{{ omnireport.incremental_scope_depends_on(incremental_scope) }}

with

messages as (

    select * from {{ ref('int_messages_classified') }}
    {{ omnireport.incremental_scope_filter(incremental_scope) }}

),

channels as (

    select
        channel_id,
        channel_name
    from {{ ref('dim_channels') }}

),

final as (

    select
        messages.message_id,
        messages.conversation_id,
        messages.session_id,
        messages.channel_id,
        channels.channel_name,
        messages.initiated_by,
        messages.from_id,
        messages.to_id,
        messages.direction,
        messages.sender_kind,
        messages.agent_user_id,
        messages.sent_at,
        {{ omnireport.local_date('messages.sent_at') }} as sent_date,
        messages.content_type,
        messages.content,
        messages.template_id,
        messages.template_name,
        messages.media_url,
        messages.status,
        messages.status_updated_at
    from messages
    left join channels
        on messages.channel_id = channels.channel_id

)

select * from final
