{#- Per session, the names of its current tags, comma-separated and sorted by code
    point, without duplicates or null names (CONTRACT.md 6.22). A current tag whose
    tag_id is not loaded adds nothing. -#}

with

current_tags as (

    select
        session_id,
        tag_id
    from {{ ref('int_session_tags_current') }}
    {{ omnireport.in_scope('session_id') }}

),

tags as (

    select
        tag_id,
        tag_name
    from {{ ref('stg_crm__tags') }}

),

final as (

    select
        current_tags.session_id,
        {{ omnireport.sorted_string_agg('tags.tag_name') }} as tag_names
    from current_tags
    inner join tags
        on current_tags.tag_id = tags.tag_id
    where tags.tag_name is not null
    group by current_tags.session_id

)

select * from final
