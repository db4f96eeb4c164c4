{#- Good groups rows, one per group_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='group_id') }}

with

validated as (
    select * from {{ ref('base_crm__groups_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__groups_validated', ['group_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['group_id']) }}
),

final as (
    select
        group_id,
        group_name,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
