{#- Good groups rows, one per group_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
with

validated as (
    select * from {{ ref('base_crm__groups_validated') }}
    where _reason is null
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
