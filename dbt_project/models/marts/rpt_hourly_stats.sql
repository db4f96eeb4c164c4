{#- Sessions by local start date and hour: the sums of fct_session_measures. -#}

with

session_measures as (

    select * from {{ ref('fct_session_measures') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        started_hour,
        {{ omnireport.sum_counts(['sessions', 'supported_sessions', 'supported_within_1m', 'done_sessions']) }}
    from session_measures
    group by
        started_date,
        started_hour

)

select * from final
