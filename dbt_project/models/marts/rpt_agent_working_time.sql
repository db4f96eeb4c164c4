with

pauses as (

    select * from {{ ref('int_agent_pauses') }}
    {{ omnireport.in_scope('user_id') }}

),

final as (

    select
        pause_date,
        user_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as pause_count,
        coalesce(sum(pause_s), 0.0) as total_pause_s,
        {{ omnireport.count_where('is_open') }} as open_pause_count
    from pauses
    group by
        pause_date,
        user_id

)

select * from final
