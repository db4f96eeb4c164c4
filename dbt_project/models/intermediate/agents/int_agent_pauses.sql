{#- One row per agent pause (CONTRACT.md 3, "Agent pauses", and 6.24): a pause starts at
    a `paused` event that follows a non-paused status or begins the user's log, and ends
    at that user's next `online` or `offline` event; repeated `paused` events continue
    it. A pause with no such event is open and has no duration. Order is
    (event_at, event_id). pause_date is the local date of the start. -#}

with

events as (

    select
        event_id,
        user_id,
        status,
        event_at
    from {{ ref('stg_crm__agent_status_events') }}
    {{ omnireport.in_scope('user_id') }}

),

sequenced as (

    select
        events.*,
        lag(status) over (
            partition by user_id
            order by event_at, event_id
        ) as previous_status,
        min(case when status <> 'paused' then event_at end) over (
            partition by user_id
            order by event_at, event_id
            rows between 1 following and unbounded following
        ) as next_non_paused_at
    from events

),

pauses as (

    select
        user_id,
        event_id as pause_event_id,
        event_at as paused_at,
        next_non_paused_at as resumed_at
    from sequenced
    where
        status = 'paused'
        and (previous_status is null or previous_status <> 'paused')

),

final as (

    select
        user_id,
        pause_event_id,
        paused_at,
        resumed_at,
        {{ omnireport.local_date('paused_at') }} as pause_date,
        resumed_at is null as is_open,
        case
            when resumed_at is not null
                then {{ omnireport.seconds_between('paused_at', 'resumed_at') }}
        end as pause_s
    from pauses

)

select * from final
