{#- Good users rows, one per user_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='user_id') }}

with

validated as (
    select * from {{ ref('base_crm__users_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__users_validated', ['user_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['user_id']) }}
),

final as (
    select
        user_id,
        full_name,
        email,
        is_active,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
