with

source as (
    select * from {{ source('crm', 'channels') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('channel_id') }} as channel_id,
        {{ omnireport.text_or_null('channel_name') }} as channel_name,
        channel_type,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('channel_id'),
            omnireport.reason_if_unknown_value('channel_type', ['facebook', 'zalo', 'instagram', 'livechat']),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
