with

source as (
    select * from {{ source('crm', 'sessions') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('session_id') }} as session_id,
        {{ omnireport.id_or_null('conversation_id') }} as conversation_id,
        {{ omnireport.id_or_null('channel_id') }} as channel_id,
        {{ omnireport.id_or_null('contact_id') }} as contact_id,
        {{ omnireport.text_or_null('session_name') }} as session_name,
        support_type,
        {{ omnireport.id_or_null('assigned_user_id') }} as assigned_user_id,
        {{ omnireport.id_or_null('category_id') }} as category_id,
        {{ omnireport.text_or_null('note') }} as note,
        status,
        {{ omnireport.parse_utc_timestamp('started_at') }} as started_at,
        {{ omnireport.parse_utc_timestamp('done_at') }} as done_at,
        {{ omnireport.parse_rating('rating') }} as rating,
        {{ omnireport.parse_utc_timestamp('updated_at') }} as updated_at,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('session_id'),
            omnireport.reason_if_missing('conversation_id'),
            omnireport.reason_if_missing('channel_id'),
            omnireport.reason_if_missing('contact_id'),
            omnireport.reason_if_unknown_value('support_type', ['message', 'comment']),
            omnireport.reason_if_unknown_value('status', ['open', 'done']),
            omnireport.reason_if_unparseable_timestamp('started_at'),
            omnireport.reason_if_unparseable_timestamp('done_at', required=false),
            omnireport.reason_if_invalid_rating('rating'),
            omnireport.reason_if_unparseable_timestamp('updated_at'),
            omnireport.reason_if_ends_before_start('done_at', 'started_at'),
            omnireport.reason_if_set_when('done_at', "status = 'open'", 'done_at set on an open session'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
