{#- One row per reply (CONTRACT.md 7.4): the agent message, the customer message it
    answers, its calendar and business reply times, its number within the session, and the
    local date and hour it was sent. conversation_id and channel_id are the session's. -#}

with

replies as (

    select * from {{ ref('int_session_replies') }}
    {{ omnireport.in_scope('session_id') }}

),

business_times as (

    select * from {{ ref('int_reply_business_times') }}
    {{ omnireport.in_scope('session_id') }}

),

sessions as (

    select
        session_id,
        conversation_id,
        channel_id
    from {{ ref('stg_crm__sessions') }}
    {{ omnireport.in_scope('session_id') }}

),

final as (

    select
        replies.reply_message_id,
        replies.session_id,
        sessions.conversation_id,
        sessions.channel_id,
        replies.replied_by_user_id,
        replies.customer_message_id,
        replies.first_contact_at as waiting_since,
        replies.replied_at,
        replies.reply_time_s,
        business_times.reply_time_business_s,
        replies.reply_number,
        {{ omnireport.local_date('replies.replied_at') }} as reply_date,
        {{ omnireport.local_hour('replies.replied_at') }} as reply_hour
    from replies
    inner join sessions
        on replies.session_id = sessions.session_id
    left join business_times
        on replies.reply_message_id = business_times.reply_message_id

)

select * from final
