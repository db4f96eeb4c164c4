{#- Statistics by local start date and agent: the sums of fct_participation_measures.
    One sla_<X>m column per value of var sla_minutes: see the model's YAML for how its
    contract covers them. -#}

with

participation_measures as (

    select * from {{ ref('fct_participation_measures') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        user_id,
        {{ omnireport.sum_counts([
            'assigned_completed_supported',
            'assigned_completed_not_supported',
            'assigned_not_completed_supported',
            'assigned_not_completed_not_supported',
            'not_assigned_completed_supported',
            'not_assigned_not_completed_supported',
        ]) }},
        {% for minutes in var('sla_minutes') %}
            {{ omnireport.sum_counts(['sla_' ~ minutes ~ 'm']) }},
        {% endfor %}
        {{ omnireport.duration_totals(['waiting_time', 'support_time']) }}
    from participation_measures
    group by
        started_date,
        user_id

)

select * from final
