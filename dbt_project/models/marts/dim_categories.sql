with

categories as (

    select * from {{ ref('int_categories_flattened') }}

),

final as (

    select
        category_id,
        category_name,
        parent_id,
        cast(category_level as {{ dbt.type_int() }}) as category_level,
        category,
        sub_category,
        sub_sub_category
    from categories

)

select * from final
