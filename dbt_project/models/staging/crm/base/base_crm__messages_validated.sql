with

source as (
    select * from {{ source('crm', 'messages') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('message_id') }} as message_id,
        {{ omnireport.id_or_null('conversation_id') }} as conversation_id,
        {{ omnireport.id_or_null('session_id') }} as session_id,
        {{ omnireport.id_or_null('channel_id') }} as channel_id,
        initiated_by,
        direction,
        {{ omnireport.id_or_null('from_id') }} as from_id,
        {{ omnireport.id_or_null('to_id') }} as to_id,
        {{ omnireport.id_or_null('agent_user_id') }} as agent_user_id,
        {{ omnireport.parse_utc_timestamp('sent_at') }} as sent_at,
        content_type,
        {{ omnireport.text_or_null('content') }} as content,
        {{ omnireport.id_or_null('template_id') }} as template_id,
        {{ omnireport.text_or_null('template_name') }} as template_name,
        {{ omnireport.text_or_null('media_url') }} as media_url,
        status,
        {{ omnireport.parse_utc_timestamp('status_updated_at') }} as status_updated_at,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('message_id'),
            omnireport.reason_if_missing('conversation_id'),
            omnireport.reason_if_missing('session_id'),
            omnireport.reason_if_missing('channel_id'),
            omnireport.reason_if_unknown_value('initiated_by', ['user', 'business']),
            omnireport.reason_if_unknown_value('direction', ['incoming', 'outgoing']),
            omnireport.reason_if_missing('from_id'),
            omnireport.reason_if_missing('to_id'),
            omnireport.reason_if_unparseable_timestamp('sent_at'),
            omnireport.reason_if_unknown_value(
                'content_type', ['text', 'image', 'audio', 'video', 'file', 'sticker', 'template', 'other']
            ),
            omnireport.reason_if_unknown_value('status', ['sent', 'delivered', 'read', 'failed']),
            omnireport.reason_if_unparseable_timestamp('status_updated_at'),
            omnireport.reason_if_set_when(
                'agent_user_id', "direction = 'incoming'", 'agent_user_id on an incoming message'
            ),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
