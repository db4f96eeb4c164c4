with

source as (
    select * from {{ source('crm', 'categories') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('category_id') }} as category_id,
        {{ omnireport.text_or_null('category_name') }} as category_name,
        {{ omnireport.id_or_null('parent_id') }} as parent_id,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('category_id'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
