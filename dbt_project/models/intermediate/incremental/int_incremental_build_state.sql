{#- The state of the last successful build, one row, read at the start of the next run
    (macros/incremental/incremental_state.sql): the highest raw _load_id processed, the
    newest sent_at of fct_messages (unanswered_24h depends on it) and the settings the
    marts were built with, when it was built and which build it continued. It depends on every mart, so dbt builds it last and skips it
    when anything before it failed: the next run then recomputes the same scope again. -#}

/* depends_on: {{ ref('dim_channels') }} */
/* depends_on: {{ ref('dim_users') }} */
/* depends_on: {{ ref('dim_categories') }} */
/* depends_on: {{ ref('dim_tags') }} */
/* depends_on: {{ ref('fct_agent_participations') }} */
/* depends_on: {{ ref('fct_messages') }} */
/* depends_on: {{ ref('fct_sessions') }} */
/* depends_on: {{ ref('bridge_session_tags') }} */
/* depends_on: {{ ref('rpt_overview_daily') }} */
/* depends_on: {{ ref('rpt_user_stats') }} */
/* depends_on: {{ ref('rpt_hourly_stats') }} */
/* depends_on: {{ ref('rpt_daily_stats') }} */
/* depends_on: {{ ref('rpt_channel_stats') }} */
/* depends_on: {{ ref('rpt_agent_working_time') }} */
/* depends_on: {{ ref('rpt_tag_stats') }} */

{%- set last_load_id = omnireport.incremental_last_load_id() if not omnireport.incremental_is_full_run() else -1 -%}
{%- set settings = omnireport.incremental_current_settings() -%}
{#- The build this one continued (none after a full build): the publish step copies only
    this run's scope into a snapshot published from exactly that build. -#}
{%- set previous = omnireport.incremental_previous_state() if not omnireport.incremental_is_full_run() else none -%}
{%- set previous_built_at = 'null' if previous is none or previous['built_at'] is none else "'" ~ previous['built_at'] ~ "'" -%}

with

new_load_ids as (
    {% for table_name in omnireport.raw_table_names() %}
        select max(_load_id) as load_id
        from {{ ref('base_crm__' ~ table_name ~ '_validated') }}
        where _load_id > {{ last_load_id }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

newest_message as (
    select max(sent_at) as newest_sent_at
    from {{ ref('fct_messages') }}
),

final as (
    select
        cast(coalesce((select max(load_id) from new_load_ids), {{ last_load_id }}) as {{ dbt.type_bigint() }}) as last_load_id,
        newest_message.newest_sent_at,
        cast('{{ settings["report_timezone"] }}' as {{ dbt.type_string() }}) as report_timezone,
        cast('{{ settings["sla_minutes"] }}' as {{ dbt.type_string() }}) as sla_minutes,
        cast('{{ settings["unanswered_window_hours"] }}' as {{ dbt.type_string() }}) as unanswered_window_hours,
        {{ dbt.current_timestamp() }} as built_at,
        cast({{ previous_built_at }} as {{ dbt.type_string() }}) as previous_built_at
    from newest_message
)

select * from final
