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
        cast(count(*) as {{ dbt.type_bigint() }}) as sessions,
        cast(count(distinct contact_id) as {{ dbt.type_bigint() }}) as contacts,
        {{ omnireport.count_where('is_assigned') }} as assigned_sessions,
        {{ omnireport.count_where('not is_assigned') }} as unassigned_sessions,
        {{ omnireport.count_where('is_completed') }} as done_sessions,
        {{ omnireport.count_where('not is_completed') }} as pending_sessions,
        {{ omnireport.duration_totals({'waiting_time': 'waiting_time_s', 'support_time': 'support_time_s'}) }}
    from sessions
    group by
        started_date,
        channel_id,
        support_type

)

select * from final
