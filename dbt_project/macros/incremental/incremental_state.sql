{#- Incremental builds that equal a full refresh (issue 5).

    The warehouse remembers its last successful build in intermediate.int_incremental_build_state:
    the highest raw `_load_id` it has processed, the newest `sent_at` of fct_messages, and
    the settings it was built with (report_timezone, sla_minutes, unanswered_window_hours).
    A run is incremental when that row exists and the settings match; otherwise every
    incremental model rebuilds in full (should_full_refresh below), so two settings are
    never mixed in one mart. -#}

{#- The relation of a model of this project as it exists in the warehouse now (its state
    before this run rebuilds it), or none. Used to read previous state without ref(), so
    no cycle enters the graph. -#}
{% macro incremental_existing_relation(model_name) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set node = graph.nodes.get('model.omnireport.' ~ model_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("incremental_existing_relation: no model " ~ model_name ~ " in this project") }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{#- The settings of this run, as text, in the form the state table stores them. -#}
{% macro incremental_current_settings() -%}
    {{ return({
        'report_timezone': var('report_timezone') | string,
        'sla_minutes': var('sla_minutes') | join(','),
        'unanswered_window_hours': var('unanswered_window_hours') | string,
    }) }}
{%- endmacro %}

{#- The last successful build's state row as a dict, or none (no build yet). -#}
{% macro incremental_previous_state() -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set relation = omnireport.incremental_existing_relation('int_incremental_build_state') -%}
    {%- if relation is none -%}{{ return(none) }}{%- endif -%}
    {%- set result = run_query(
        'select last_load_id, cast(newest_sent_at as ' ~ dbt.type_string() ~ '), report_timezone, '
        ~ 'sla_minutes, unanswered_window_hours, cast(built_at as ' ~ dbt.type_string() ~ ') from ' ~ relation
    ) -%}
    {%- if result.rows | length != 1 or result.rows[0][0] is none -%}{{ return(none) }}{%- endif -%}
    {%- set row = result.rows[0] -%}
    {{ return({
        'last_load_id': row[0] | int,
        'newest_sent_at': row[1],
        'report_timezone': row[2],
        'sla_minutes': row[3],
        'unanswered_window_hours': row[4],
        'built_at': row[5],
    }) }}
{%- endmacro %}

{#- Why this run must rebuild every incremental model, or none when it may be incremental:
    --full-refresh, no previous build, other settings, or a relation that incremental runs
    read as previous state is missing. -#}
{% macro incremental_full_run_reason() -%}
    {%- if not execute -%}{{ return('parsing') }}{%- endif -%}
    {%- if flags.FULL_REFRESH -%}{{ return('--full-refresh') }}{%- endif -%}
    {%- set previous = omnireport.incremental_previous_state() -%}
    {%- if previous is none -%}{{ return('no previous build state') }}{%- endif -%}
    {%- set current = omnireport.incremental_current_settings() -%}
    {%- for name, value in current.items() -%}
        {%- if previous[name] != value -%}
            {{ return(name ~ " changed from '" ~ previous[name] ~ "' to '" ~ value ~ "'") }}
        {%- endif -%}
    {%- endfor -%}
    {%- for model_name in ['fct_sessions', 'fct_messages', 'bridge_session_tags'] -%}
        {%- if omnireport.incremental_existing_relation(model_name) is none -%}
            {{ return('marts.' ~ model_name ~ ' is missing') }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{% macro incremental_is_full_run() -%}
    {{ return(omnireport.incremental_full_run_reason() is not none) }}
{%- endmacro %}

{#- The highest raw _load_id the last successful build processed (-1 when none). -#}
{% macro incremental_last_load_id() -%}
    {%- set previous = omnireport.incremental_previous_state() -%}
    {{ return(-1 if previous is none else previous['last_load_id']) }}
{%- endmacro %}

{#- True when this model runs incrementally: only rows of the run's scope are recomputed.
    Always false in a dbt unit test, which pins the metric logic on its given rows. -#}
{% macro incremental_scope_active() -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return(false) }}{%- endif -%}
    {{ return(is_incremental()) }}
{%- endmacro %}
