{#- The local event_date partitions of rpt_tag_stats that an incremental run replaces: the
    dates of every version of a changed tag event, and the dates of the events of the
    recomputed sessions (a session that arrives late lets its held-out events count).
    Empty in a full build. -#}

/* depends_on: {{ ref('int_incremental_changed_sessions') }} */
/* depends_on: {{ ref('int_incremental_changed_tag_events') }} */
/* depends_on: {{ ref('int_tag_events_counted') }} */

{%- set full_run = omnireport.incremental_is_full_run() -%}

with

{% if full_run %}

    final as (
        {{ omnireport.incremental_empty_scope({'event_date': 'date'}) }}
    ),

{% else %}

    final as (
        select event_date from {{ ref('int_incremental_changed_tag_events') }}
        union
        select event_date
        from {{ ref('int_tag_events_counted') }}
        where session_id in (select session_id from {{ ref('int_incremental_changed_sessions') }})
    ),

{% endif %}

deduplicated as (
    select distinct event_date from final where event_date is not null
)

select * from deduplicated
