with

sessions as (

    select * from {{ ref('fct_sessions') }}
    {{ omnireport.in_scope('started_date') }}

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
