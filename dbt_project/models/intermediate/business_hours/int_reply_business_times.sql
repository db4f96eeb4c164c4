{#- One row per reply with its business reply time (CONTRACT.md 7.4): the business seconds
    from the customer message it answers to the reply, with the session's schedule; null
    without a schedule. -#}

with

replies as (
    select
        replies.session_id,
        replies.reply_message_id,
        replies.first_contact_at,
        replies.replied_at,
        schedules.schedule_id
    from {{ ref('int_session_replies') }} as replies
    left join {{ ref('int_session_schedules') }} as schedules
        on replies.session_id = schedules.session_id
    {{ omnireport.in_scope('session_id', expression='replies.session_id') }}
),

instants as (
    select
        session_id,
        reply_message_id,
        'waiting_since' as instant_name,
        schedule_id,
        first_contact_at as instant
    from replies
    union all
    select
        session_id,
        reply_message_id,
        'replied' as instant_name,
        schedule_id,
        replied_at as instant
    from replies
),

clock as (
    {{ omnireport.open_seconds_before('instants', ['session_id', 'reply_message_id', 'instant_name']) }}
),

final as (
    select
        session_id,
        reply_message_id,
        max(case when instant_name = 'replied' then open_s_before end)
        - max(case when instant_name = 'waiting_since' then open_s_before end) as reply_time_business_s
    from clock
    group by
        session_id,
        reply_message_id
)

select * from final
