with

source as (
    select * from {{ source('crm', 'tags') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('tag_id') }} as tag_id,
        {{ omnireport.text_or_null('tag_name') }} as tag_name,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('tag_id'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
