with

sessions as (

    select * from {{ ref('fct_sessions') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        started_hour,
        cast(count(*) as {{ dbt.type_bigint() }}) as sessions,
        {{ omnireport.count_where('is_supported') }} as supported_sessions,
        {{ omnireport.count_where('waiting_time_s < 60') }} as supported_within_1m,
        {{ omnireport.count_where('is_completed') }} as done_sessions
    from sessions
    group by
        started_date,
        started_hour

)

select * from final
