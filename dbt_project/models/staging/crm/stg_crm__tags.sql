{#- Good tags rows, one per tag_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='tag_id') }}

with

validated as (
    select * from {{ ref('base_crm__tags_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__tags_validated', ['tag_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['tag_id']) }}
),

final as (
    select
        tag_id,
        tag_name,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
