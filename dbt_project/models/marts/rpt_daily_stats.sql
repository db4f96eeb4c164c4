{#- Sessions by local start date and support type, completed x supported: the sums of
    fct_session_measures, percentages of the sums. -#}

with

session_measures as (

    select * from {{ ref('fct_session_measures') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        support_type,
        {{ omnireport.completion_support_counts() }}
    from session_measures
    group by
        started_date,
        support_type

)

select * from final
