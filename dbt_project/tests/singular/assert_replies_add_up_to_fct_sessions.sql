-- Every session's replies in fct_replies add up to its reply columns in fct_sessions:
-- as many rows as reply_count, and avg_response_time_s (calendar) and
-- avg_response_time_business_s equal to the mean of its rows (CONTRACT.md 7.4).

with

replies as (

    select
        session_id,
        count(*) as replies,
        avg(reply_time_s) as avg_reply_time_s,
        avg(reply_time_business_s) as avg_reply_time_business_s
    from {{ ref('fct_replies') }}
    group by session_id

),

sessions as (

    select
        session_id,
        reply_count,
        avg_response_time_s,
        avg_response_time_business_s
    from {{ ref('fct_sessions') }}

)

select
    sessions.session_id,
    sessions.reply_count,
    replies.replies
from sessions
left join replies
    on sessions.session_id = replies.session_id
where
    sessions.reply_count <> coalesce(replies.replies, 0)
    or abs(coalesce(sessions.avg_response_time_s, 0) - coalesce(replies.avg_reply_time_s, 0)) > 1e-6
    or (sessions.avg_response_time_s is null) <> (replies.avg_reply_time_s is null)
    or abs(coalesce(sessions.avg_response_time_business_s, 0) - coalesce(replies.avg_reply_time_business_s, 0)) > 1e-6
    or (sessions.avg_response_time_business_s is null) <> (replies.avg_reply_time_business_s is null)
