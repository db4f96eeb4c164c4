{#- One row per conversation (CONTRACT.md 7.5): the staged sessions sharing a
    conversation_id. Its first session is the earliest by (started_at, session_id), whose
    contact and channel it carries; a conversation is completed when every session is done,
    and its last_done_at is the latest done_at only when every session has one. Replies are
    its rows in fct_replies; one-touch and two-touch need a completed conversation. -#}

with

sessions as (

    select
        conversation_id,
        session_id,
        contact_id,
        channel_id,
        started_at,
        status,
        done_at,
        total_messages,
        reply_count
    from {{ ref('int_session_metrics') }}
    {{ omnireport.in_scope('conversation_id') }}

),

ordered as (

    select
        sessions.*,
        row_number() over (
            partition by conversation_id
            order by started_at, session_id
        ) as session_rank
    from sessions

),

conversations as (

    select
        conversation_id,
        max(case when session_rank = 1 then contact_id end) as contact_id,
        max(case when session_rank = 1 then channel_id end) as channel_id,
        count(*) as sessions,
        min(started_at) as first_started_at,
        max(started_at) as last_started_at,
        min(case when status = 'done' then 1 else 0 end) = 1 as is_completed,
        count(done_at) = count(*) as every_session_has_done_at,
        max(done_at) as latest_done_at,
        sum(total_messages) as total_messages,
        sum(reply_count) as replies
    from ordered
    group by conversation_id

),

final as (

    select
        conversation_id,
        contact_id,
        channel_id,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(sessions - 1 as {{ dbt.type_bigint() }}) as reopens,
        first_started_at,
        last_started_at,
        {{ omnireport.local_date('first_started_at') }} as first_started_date,
        is_completed,
        case when is_completed and every_session_has_done_at then latest_done_at end as last_done_at,
        cast(total_messages as {{ dbt.type_bigint() }}) as total_messages,
        cast(replies as {{ dbt.type_bigint() }}) as replies,
        is_completed and replies = 1 as is_one_touch,
        is_completed and replies = 2 as is_two_touch
    from conversations

)

select * from final
