with

users as (

    select * from {{ ref('stg_crm__users') }}

),

group_names as (

    select * from {{ ref('int_user_group_names') }}

),

final as (

    select
        users.user_id,
        users.full_name,
        users.email,
        users.is_active,
        group_names.group_names
    from users
    left join group_names
        on users.user_id = group_names.user_id

)

select * from final
