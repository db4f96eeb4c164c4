{#- Each session's additive report measures (CONTRACT.md 3 and 5), defined once: 0/1
    counts and duration totals that every report table and every filtered report view
    adds up over its own grain, with the session's filter columns beside them. A sum over
    any set of sessions is that set's figure; averages and percentages are taken of the
    sums. Waiting and support times come in calendar and business seconds (CONTRACT.md
    7.3, int_session_business_times: null without a schedule, so such a session is not
    counted in the business averages). A view, like int_messages_classified:
    fct_session_measures stores it and applies the incremental scope. -#}
{{ config(materialized='view') }}

with

session_metrics as (

    select * from {{ ref('int_session_metrics') }}

),

business_times as (

    select
        session_id,
        waiting_time_business_s,
        support_time_business_s
    from {{ ref('int_session_business_times') }}

),

sessions as (

    select
        session_metrics.*,
        business_times.waiting_time_business_s,
        business_times.support_time_business_s
    from session_metrics
    left join business_times
        on session_metrics.session_id = business_times.session_id

),

final as (

    select
        session_id,
        started_date,
        started_hour,
        channel_id,
        support_type,
        contact_id,
        category_id,
        assigned_user_id,
        is_completed,
        is_supported,
        {{ omnireport.one_if('true') }} as sessions,
        {{ omnireport.one_if('is_assigned') }} as assigned_sessions,
        {{ omnireport.one_if('not is_assigned') }} as unassigned_sessions,
        {{ omnireport.one_if('is_completed') }} as done_sessions,
        {{ omnireport.one_if('not is_completed') }} as pending_sessions,
        {{ omnireport.one_if('is_supported') }} as supported_sessions,
        -- a proactive or unsupported session has no waiting time, so it never counts (6.14)
        {{ omnireport.one_if('waiting_time_s < 60') }} as supported_within_1m,
        {{ omnireport.one_if('is_completed and is_supported') }} as done_supported,
        {{ omnireport.one_if('is_completed and not is_supported') }} as done_not_supported,
        {{ omnireport.one_if('not is_completed and is_supported') }} as not_done_supported,
        {{ omnireport.one_if('not is_completed and not is_supported') }} as not_done_not_supported,
        {{ omnireport.duration_measures({
            'waiting_time': 'waiting_time_s',
            'support_time': 'support_time_s',
            'waiting_time_business': 'waiting_time_business_s',
            'support_time_business': 'support_time_business_s',
        }) }}
    from sessions

)

select * from final
