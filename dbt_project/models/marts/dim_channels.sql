with

channels as (

    select * from {{ ref('stg_crm__channels') }}

),

final as (

    select
        channel_id,
        channel_name,
        channel_type
    from channels

)

select * from final
