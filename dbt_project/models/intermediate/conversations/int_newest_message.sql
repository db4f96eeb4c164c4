{#- One row: the newest sent_at in the data (CONTRACT.md 3, 6.10), the newest among the
    messages that reach fct_messages (a late message, whose session is not loaded, does
    not count); null when there is none. A session no agent answered is unanswered_24h
    once this is more than unanswered_window_hours after its start. Computed once per
    build for its two readers (int_session_metrics, int_incremental_sessions):
    it reads every message, through the int_messages_classified view. -#}

with

messages as (

    select sent_at from {{ ref('int_messages_classified') }}

),

final as (

    select max(sent_at) as newest_sent_at
    from messages

)

select * from final
