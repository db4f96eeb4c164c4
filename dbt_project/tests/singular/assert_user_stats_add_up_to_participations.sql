-- rpt_user_stats counts each participation of int_agent_participations once (CONTRACT.md
-- 6.23), and its first-response SLA counts never exceed the first responses. Returns the
-- difference when the totals disagree.

with

participations as (

    select
        count(*) as participations,
        sum(case when is_first_responder and waiting_time_s is not null then 1 else 0 end) as timed_first_responses
    from {{ ref('int_agent_participations') }}

),

user_stats as (

    select
        sum(
            assigned_completed_supported
            + assigned_completed_not_supported
            + assigned_not_completed_supported
            + assigned_not_completed_not_supported
            + not_assigned_completed_supported
            + not_assigned_not_completed_supported
        ) as participations,
        sum(sessions_with_waiting_time) as timed_first_responses,
        {% for minutes in var('sla_minutes') %}
            max(sla_{{ minutes }}m - sessions_with_waiting_time) as sla_{{ minutes }}m_excess,
        {% endfor %}
        count(*) as user_days
    from {{ ref('rpt_user_stats') }}

)

select *
from user_stats
cross join participations
where
    coalesce(user_stats.participations, 0) <> participations.participations
    or coalesce(user_stats.timed_first_responses, 0) <> participations.timed_first_responses
    {% for minutes in var('sla_minutes') %}
        or user_stats.sla_{{ minutes }}m_excess > 0
    {% endfor %}
