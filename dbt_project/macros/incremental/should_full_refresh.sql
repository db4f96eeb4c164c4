{#- dbt's should_full_refresh (global_project/macros/materializations/configs.sql), with one
    addition: an incremental model of this project rebuilds in full when the run cannot be
    incremental (incremental_full_run_reason: no previous build, or the report_timezone,
    sla_minutes or unanswered_window_hours differ from the last build's). Models that keep
    their own watermark (meta incremental_watermark: own, the staging tables) do not depend
    on those settings and rebuild only on --full-refresh. is_incremental()
    calls this, so every model and hook sees the same answer. -#}
{% macro should_full_refresh() -%}
    {%- set config_full_refresh = config.get('full_refresh') -%}
    {%- if config_full_refresh is none -%}
        {%- set config_full_refresh = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- set own_watermark = (config.get('meta') or {}).get('incremental_watermark') == 'own' -%}
    {%- if not config_full_refresh and execute and config.get('materialized') == 'incremental' and not own_watermark -%}
        {%- set reason = omnireport.incremental_full_run_reason() -%}
        {%- if reason is not none -%}
            {%- do log('Full rebuild of ' ~ model.name ~ ': ' ~ reason, info=false) -%}
            {%- set config_full_refresh = true -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(config_full_refresh) }}
{%- endmacro %}
