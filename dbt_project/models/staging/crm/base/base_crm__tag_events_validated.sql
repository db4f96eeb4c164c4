with

source as (
    select * from {{ source('crm', 'tag_events') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('tag_event_id') }} as tag_event_id,
        {{ omnireport.id_or_null('tag_id') }} as tag_id,
        {{ omnireport.id_or_null('session_id') }} as session_id,
        {{ omnireport.id_or_null('contact_id') }} as contact_id,
        {{ omnireport.id_or_null('channel_id') }} as channel_id,
        {{ omnireport.id_or_null('user_id') }} as user_id,
        action,
        {{ omnireport.parse_utc_timestamp('event_at') }} as event_at,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('tag_event_id'),
            omnireport.reason_if_missing('tag_id'),
            omnireport.reason_if_missing('contact_id'),
            omnireport.reason_if_missing('channel_id'),
            omnireport.reason_if_unknown_value('action', ['added', 'removed']),
            omnireport.reason_if_unparseable_timestamp('event_at'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
