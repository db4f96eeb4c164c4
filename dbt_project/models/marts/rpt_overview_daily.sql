{#- The overview by local start date, channel and support type: the sums of
    fct_session_measures; contacts are counted distinct within the row. -#}

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
        {{ omnireport.sum_counts(['sessions']) }},
        cast(count(distinct contact_id) as {{ dbt.type_bigint() }}) as contacts,
        {{ omnireport.sum_counts(['assigned_sessions', 'unassigned_sessions', 'done_sessions', 'pending_sessions']) }},
        {{ omnireport.duration_totals(['waiting_time', 'support_time']) }}
    from session_measures
    group by
        started_date,
        channel_id,
        support_type

)

select * from final
