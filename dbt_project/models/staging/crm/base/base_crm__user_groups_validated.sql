with

source as (
    select * from {{ source('crm', 'user_groups') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('user_id') }} as user_id,
        {{ omnireport.id_or_null('group_id') }} as group_id,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('user_id'),
            omnireport.reason_if_missing('group_id'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
