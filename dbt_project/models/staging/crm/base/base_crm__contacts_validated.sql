with

source as (
    select * from {{ source('crm', 'contacts') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('contact_id') }} as contact_id,
        {{ omnireport.text_or_null('display_name') }} as display_name,
        {{ omnireport.id_or_null('channel_id') }} as channel_id,
        {{ omnireport.id_or_null('external_id') }} as external_id,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('contact_id'),
            omnireport.reason_if_missing('channel_id'),
            omnireport.reason_if_missing('external_id'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
