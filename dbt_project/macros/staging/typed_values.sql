{#- Typing of raw text values by column kind (var raw_tables; CONTRACT.md 6.3-6.6). Each
    gives null for text that is missing or not valid; reason_checks.sql says why a row is
    bad. -#}

{#- True when the raw value is missing: null, empty or only spaces. -#}
{% macro is_blank(column) -%}
    ({{ column }} is null or trim({{ column }}) = '')
{%- endmacro %}

{#- The kinds whose value is parsed: validated_rows parses each once, then reads it. -#}
{% macro is_parsed_kind(kind) -%}
    {{ return(kind in ('timestamp', 'rating', 'boolean')) }}
{%- endmacro %}

{#- The typed value of a raw column of the given kind. -#}
{% macro typed_value(column, kind) -%}
    {%- if kind == 'id' -%}
        {#- an id as exported; blank counts as missing and becomes null -#}
        case when {{ omnireport.is_blank(column) }} then null else {{ column }} end
    {%- elif kind == 'text' -%}
        {#- free text; the empty string becomes null, as an empty CSV field does -#}
        nullif({{ column }}, '')
    {%- elif kind == 'enum' -%}
        {{ column }}
    {%- elif kind == 'timestamp' -%}
        {{ omnireport.parse_utc_timestamp(column) }}
    {%- elif kind == 'rating' -%}
        {#- 1 to 5, surrounding spaces ignored -#}
        case
            when trim({{ column }}) in ('1', '2', '3', '4', '5')
                then cast(trim({{ column }}) as {{ dbt.type_int() }})
        end
    {%- elif kind == 'boolean' -%}
        {#- true/false, t/f, 1/0, yes/no in any case, surrounding spaces ignored -#}
        case
            when lower(trim({{ column }})) in ('true', 't', '1', 'yes') then true
            when lower(trim({{ column }})) in ('false', 'f', '0', 'no') then false
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown column kind '" ~ kind ~ "' of " ~ column ~ " in the var raw_tables") }}
    {%- endif -%}
{%- endmacro %}
