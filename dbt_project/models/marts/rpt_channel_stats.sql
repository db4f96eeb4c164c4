with

sessions as (

    select * from {{ ref('fct_sessions') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        channel_id,
        support_type,
        {{ omnireport.completion_support_counts() }},
        {{ omnireport.duration_totals({'waiting_time': 'waiting_time_s', 'support_time': 'support_time_s'}) }}
    from sessions
    group by
        started_date,
        channel_id,
        support_type

)

select * from final
