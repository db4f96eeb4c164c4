{#- Each participation's additive measures for the statistics by user (CONTRACT.md 3 per
    agent and session, 5, 6.23), defined once: the assigned x completed x supported
    matrix, one sla_<X>m per var sla_minutes and the agent's own waiting and support
    times, calendar and business (int_participation_business_times, null without a
    schedule), as 0/1 counts and totals, with the session's filter columns beside them. A
    participant who is not the assignee wrote in the session, so the matrix has no
    not_assigned_*_not_supported cell. A view: fct_participation_measures stores it and
    applies the incremental scope. -#}
{{ config(materialized='view') }}

with

participations as (

    select * from {{ ref('int_agent_participations') }}

),

sessions as (

    select
        session_id,
        channel_id,
        support_type,
        category_id,
        is_supported
    from {{ ref('int_session_metrics') }}

),

business_times as (

    select
        session_id,
        user_id,
        waiting_time_business_s,
        support_time_business_s
    from {{ ref('int_participation_business_times') }}

),

joined as (

    select
        participations.*,
        sessions.channel_id,
        sessions.support_type,
        sessions.category_id,
        sessions.is_supported,
        business_times.waiting_time_business_s,
        business_times.support_time_business_s
    from participations
    inner join sessions
        on participations.session_id = sessions.session_id
    left join business_times
        on
            participations.session_id = business_times.session_id
            and participations.user_id = business_times.user_id

),

final as (

    select
        session_id,
        user_id,
        started_date,
        channel_id,
        support_type,
        category_id,
        is_completed,
        is_supported,
        is_assignee,
        user_supported,
        {{ omnireport.one_if('is_assignee and is_completed and user_supported') }} as assigned_completed_supported,
        {{ omnireport.one_if('is_assignee and is_completed and not user_supported') }} as assigned_completed_not_supported,
        {{ omnireport.one_if('is_assignee and not is_completed and user_supported') }} as assigned_not_completed_supported,
        {{ omnireport.one_if('is_assignee and not is_completed and not user_supported') }} as assigned_not_completed_not_supported,
        {{ omnireport.one_if('not is_assignee and is_completed and user_supported') }} as not_assigned_completed_supported,
        {{ omnireport.one_if('not is_assignee and not is_completed and user_supported') }} as not_assigned_not_completed_supported,
        {% for minutes in var('sla_minutes') %}
            {{ omnireport.one_if('sla_' ~ minutes ~ 'm') }} as sla_{{ minutes }}m,
        {% endfor %}
        {{ omnireport.duration_measures({
            'waiting_time': 'waiting_time_s',
            'support_time': 'support_time_s',
            'waiting_time_business': 'waiting_time_business_s',
            'support_time_business': 'support_time_business_s',
        }) }}
    from joined

)

select * from final
