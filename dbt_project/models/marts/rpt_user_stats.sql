{#- One sla_<X>m column per value of var sla_minutes: see the model's YAML for how its
    contract covers them. -#}

with

participations as (

    select * from {{ ref('fct_agent_participations') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        user_id,
        {{ omnireport.count_where('is_assignee and is_completed and user_supported') }} as assigned_completed_supported,
        {{ omnireport.count_where('is_assignee and is_completed and not user_supported') }} as assigned_completed_not_supported,
        {{ omnireport.count_where('is_assignee and not is_completed and user_supported') }} as assigned_not_completed_supported,
        {{ omnireport.count_where('is_assignee and not is_completed and not user_supported') }} as assigned_not_completed_not_supported,
        {{ omnireport.count_where('not is_assignee and is_completed and user_supported') }} as not_assigned_completed_supported,
        {{ omnireport.count_where('not is_assignee and not is_completed and user_supported') }} as not_assigned_not_completed_supported,
        {% for minutes in var('sla_minutes') %}
            {{ omnireport.count_where('sla_' ~ minutes ~ 'm') }} as sla_{{ minutes }}m,
        {% endfor %}
        {{ omnireport.duration_totals({'waiting_time': 'waiting_time_s', 'support_time': 'support_time_s'}) }}
    from participations
    group by
        started_date,
        user_id

)

select * from final
