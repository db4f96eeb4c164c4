{#- The sessions whose metrics an incremental run recomputes: the changed sessions, and,
    when the newest sent_at of fct_messages moved, every session no agent answered whose
    start lies where the move can flip its unanswered_24h (CONTRACT.md 3, 6.10): within the
    window (plus an hour of margin) before the old or new newest sent_at. Empty in a full build. -#}

/* depends_on: {{ ref('int_incremental_changed_sessions') }} */
/* depends_on: {{ ref('int_newest_message') }} */

{%- set full_run = omnireport.incremental_is_full_run() -%}
{%- set window_hours = var('unanswered_window_hours') -%}

with

changed_sessions as (
    select session_id from {{ ref('int_incremental_changed_sessions') }}
),

{% if full_run %}

    final as (
        select session_id from changed_sessions
    ),

{% else %}

    {%- set previous = omnireport.incremental_previous_state() -%}
    {%- set previous_sessions = omnireport.incremental_existing_relation('fct_sessions') -%}

    newest as (
        select
            {% if previous['newest_sent_at'] is none -%}
            cast(null as {{ dbt.type_timestamp() }})
            {%- else -%}
            cast('{{ previous["newest_sent_at"] }}' as {{ dbt.type_timestamp() }})
            {%- endif %} as previous_newest_sent_at,
            max(newest_sent_at) as newest_sent_at
        from {{ ref('int_newest_message') }}
    ),

    unanswered_candidates as (
        select previous_sessions.session_id
        from {{ previous_sessions }} as previous_sessions
        cross join newest
        where
            not previous_sessions.is_supported
            and newest.previous_newest_sent_at is distinct from newest.newest_sent_at
            and (
                newest.previous_newest_sent_at is null
                or newest.newest_sent_at is null
                or (
                    previous_sessions.started_at >= {{ dbt.dateadd('hour', -(window_hours + 1), 'least(newest.previous_newest_sent_at, newest.newest_sent_at)') }}
                    and previous_sessions.started_at <= greatest(newest.previous_newest_sent_at, newest.newest_sent_at)
                )
            )
    ),

    final as (
        select session_id from changed_sessions
        union
        select session_id from unanswered_candidates
    ),

{% endif %}

deduplicated as (
    select distinct session_id from final
)

select * from deduplicated
