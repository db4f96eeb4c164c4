{#- Good user_groups rows, one per user_id x group_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['user_id', 'group_id']) }}

with

validated as (
    select * from {{ ref('base_crm__user_groups_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__user_groups_validated', ['user_id', 'group_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['user_id', 'group_id']) }}
),

final as (
    select
        user_id,
        group_id,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
