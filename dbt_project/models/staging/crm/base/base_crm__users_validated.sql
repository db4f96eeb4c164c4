with

source as (
    select * from {{ source('crm', 'users') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('user_id') }} as user_id,
        {{ omnireport.text_or_null('full_name') }} as full_name,
        {{ omnireport.text_or_null('email') }} as email,
        {{ omnireport.parse_boolean('is_active') }} as is_active,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('user_id'),
            omnireport.reason_if_invalid_boolean('is_active'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
