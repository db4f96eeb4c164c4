{#- Each category with its place in the tree (CONTRACT.md 6.18): the chain is the
    category and at most two ancestors; higher ancestors are ignored; a loop stops at
    the first repeated id; a parent that is not loaded still counts as a level, with a
    null name (and, being unknown, ends the chain). Names run from the top down. -#}

with

categories as (

    select
        category_id,
        category_name,
        parent_id
    from {{ ref('stg_crm__categories') }}

),

with_parent as (

    select
        categories.category_id,
        categories.category_name,
        case
            when categories.parent_id <> categories.category_id then categories.parent_id
        end as parent_id
    from categories

),

with_grandparent as (

    select
        with_parent.category_id,
        with_parent.category_name,
        with_parent.parent_id,
        parents.category_name as parent_name,
        case
            when
                parents.parent_id <> with_parent.category_id
                and parents.parent_id <> with_parent.parent_id
                then parents.parent_id
        end as grandparent_id
    from with_parent
    left join categories as parents
        on with_parent.parent_id = parents.category_id

),

with_names as (

    select
        with_grandparent.*,
        grandparents.category_name as grandparent_name
    from with_grandparent
    left join categories as grandparents
        on with_grandparent.grandparent_id = grandparents.category_id

),

final as (

    select
        category_id,
        category_name,
        parent_id,
        case
            when grandparent_id is not null then 3
            when parent_id is not null then 2
            else 1
        end as category_level,
        case
            when grandparent_id is not null then grandparent_name
            when parent_id is not null then parent_name
            else category_name
        end as category,
        case
            when grandparent_id is not null then parent_name
            when parent_id is not null then category_name
        end as sub_category,
        case
            when grandparent_id is not null then category_name
        end as sub_sub_category
    from with_names

)

select * from final
