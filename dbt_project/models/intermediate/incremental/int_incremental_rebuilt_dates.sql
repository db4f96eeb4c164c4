{#- The local started_date partitions of the session reports that an incremental run
    replaces: the date of every recomputed or renamed session now, and the date of every
    raw version of a changed session (a re-export can move started_at to another day, and
    the old day must lose it). Empty in a full build. -#}

/* depends_on: {{ ref('base_crm__sessions_validated') }} */
/* depends_on: {{ ref('int_incremental_changed_sessions') }} */
/* depends_on: {{ ref('int_incremental_rebuilt_sessions') }} */
/* depends_on: {{ ref('int_incremental_renamed_sessions') }} */
/* depends_on: {{ ref('int_session_metrics') }} */

{%- set full_run = omnireport.incremental_is_full_run() -%}

with

{% if full_run %}

    final as (
        {{ omnireport.incremental_empty_scope({'started_date': 'date'}) }}
    ),

{% else %}

    current_dates as (
        select started_date
        from {{ ref('int_session_metrics') }}
        where
            session_id in (select session_id from {{ ref('int_incremental_rebuilt_sessions') }})
            or session_id in (select session_id from {{ ref('int_incremental_renamed_sessions') }})
    ),

    previous_version_dates as (
        select {{ omnireport.local_date('started_at') }} as started_date
        from {{ ref('base_crm__sessions_validated') }}
        where session_id in (select session_id from {{ ref('int_incremental_changed_sessions') }})
    ),

    final as (
        select started_date from current_dates
        union
        select started_date from previous_version_dates
    ),

{% endif %}

deduplicated as (
    select distinct started_date from final where started_date is not null
)

select * from deduplicated
