{#- The session-by-agent participation fact, as computed once in int_agent_participations;
    one sla_<X>m flag per value of var sla_minutes (see the model's YAML). -#}

with

participations as (

    select * from {{ ref('int_agent_participations') }}
    {{ omnireport.in_scope('session_id') }}

),

final as (

    select
        session_id,
        user_id,
        started_date,
        is_completed,
        is_assignee,
        user_supported,
        is_first_responder,
        cast(messages_sent as {{ dbt.type_bigint() }}) as messages_sent,
        {% for minutes in var('sla_minutes') %}
            sla_{{ minutes }}m,
        {% endfor %}
        waiting_time_s,
        support_time_s
    from participations

)

select * from final
