with

source as (
    select * from {{ source('crm', 'groups') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('group_id') }} as group_id,
        {{ omnireport.text_or_null('group_name') }} as group_name,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('group_id'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
