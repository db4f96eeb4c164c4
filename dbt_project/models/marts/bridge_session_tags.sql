with

current_tags as (

    select * from {{ ref('int_session_tags_current') }}
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
        current_tags.tag_id,
        tags.tag_name,
        current_tags.tagged_at
    from current_tags
    left join tags
        on current_tags.tag_id = tags.tag_id

)

select * from final
