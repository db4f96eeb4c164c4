with

messages as (

    select * from {{ ref('int_messages_classified') }}
    {{ omnireport.in_scope('session_id') }}

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
