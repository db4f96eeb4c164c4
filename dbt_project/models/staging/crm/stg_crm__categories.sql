{#- Good categories rows, one per category_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='category_id') }}

with

validated as (
    select * from {{ ref('base_crm__categories_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__categories_validated', ['category_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['category_id']) }}
),

final as (
    select
        category_id,
        category_name,
        parent_id,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
