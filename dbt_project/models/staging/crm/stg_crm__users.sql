{#- Good users rows, one per user_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
with

validated as (
    select * from {{ ref('base_crm__users_validated') }}
    where _reason is null
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
