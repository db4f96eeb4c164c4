with

tags as (

    select * from {{ ref('stg_crm__tags') }}

),

final as (

    select
        tag_id,
        tag_name
    from tags

)

select * from final
