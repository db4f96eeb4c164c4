{#- Sessions by local start date, channel and support type: the daily columns plus
    waiting and support times, the sums of fct_session_measures. -#}

with

session_measures as (

    select * from {{ ref('fct_session_measures') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        channel_id,
        support_type,
        {{ omnireport.completion_support_counts() }},
        {{ omnireport.duration_totals(['waiting_time', 'support_time']) }}
    from session_measures
    group by
        started_date,
        channel_id,
        support_type

)

select * from final
