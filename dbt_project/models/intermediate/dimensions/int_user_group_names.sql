{#- Per user, the names of the groups it belongs to, comma-separated and sorted by code
    point, without duplicates or null names (CONTRACT.md 6.22). A membership whose group
    is not loaded adds no name. Users without any named group have no row. -#}

with

memberships as (

    select
        user_id,
        group_id
    from {{ ref('stg_crm__user_groups') }}

),

groups_ as (

    select
        group_id,
        group_name
    from {{ ref('stg_crm__groups') }}

),

final as (

    select
        memberships.user_id,
        {{ omnireport.sorted_string_agg('groups_.group_name') }} as group_names
    from memberships
    inner join groups_
        on memberships.group_id = groups_.group_id
    where groups_.group_name is not null
    group by memberships.user_id

)

select * from final
