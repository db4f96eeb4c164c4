{#- Good user_groups rows, one per user_id x group_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
with

validated as (
    select * from {{ ref('base_crm__user_groups_validated') }}
    where _reason is null
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
