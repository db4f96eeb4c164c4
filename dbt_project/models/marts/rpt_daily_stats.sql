with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

final as (

    select
        started_date,
        support_type,
        {{ omnireport.completion_support_counts() }}
    from sessions
    group by
        started_date,
        support_type

)

select * from final
