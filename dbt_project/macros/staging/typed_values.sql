{#- Typing of raw text values by column kind (var raw_tables; CONTRACT.md 6.3-6.6). Each
    gives null for text that is missing or not valid; reason_checks.sql says why a row is
    bad. -#}

{#- True when the raw value is missing: null, empty or only spaces. -#}
{% macro is_blank(column) -%}
    ({{ column }} is null or trim({{ column }}) = '')
{%- endmacro %}

{#- The kinds whose value is parsed: validated_rows parses each once, then reads it. -#}
{% macro is_parsed_kind(kind) -%}
    {{ return(kind in ('timestamp', 'date', 'rating', 'boolean', 'time_zone', 'weekday', 'clock', 'clock_or_24')) }}
{%- endmacro %}

{#- The word a reason uses for a value of this kind that does not parse. -#}
{% macro problem_word(kind) -%}
    {{ return({'timestamp': 'unparseable', 'date': 'unparseable', 'enum': 'unknown', 'time_zone': 'unknown'}.get(kind, 'invalid')) }}
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
    {%- elif kind == 'date' -%}
        {#- exactly YYYY-MM-DD and a real date, surrounding spaces ignored (CONTRACT.md 7.1) -#}
        {{ omnireport.parse_iso_date(column) }}
    {%- elif kind == 'time_zone' -%}
        {#- a zone or link name of the IANA tz database, matched exactly (the seed
            iana_time_zones: the names the engines know, without system files) -#}
        case
            when {{ column }} in (select time_zone from {{ ref('iana_time_zones') }})
                then {{ column }}
        end
    {%- elif kind == 'weekday' -%}
        {#- an ISO weekday, 1 = Monday ... 7 = Sunday; `01` is not one -#}
        case
            when trim({{ column }}) in ('1', '2', '3', '4', '5', '6', '7')
                then cast(trim({{ column }}) as {{ dbt.type_int() }})
        end
    {%- elif kind in ('clock', 'clock_or_24') -%}
        {#- a wall-clock time HH:MM (00:00-23:59), kept as minutes after midnight;
            clock_or_24 also takes 24:00, the end of the day (1440) -#}
        case
            when {{ omnireport.regex_matches('trim(' ~ column ~ ')', '^([01][0-9]|2[0-3]):[0-5][0-9]$') }}
                then cast(substr(trim({{ column }}), 1, 2) as {{ dbt.type_int() }}) * 60
                    + cast(substr(trim({{ column }}), 4, 2) as {{ dbt.type_int() }})
            {%- if kind == 'clock_or_24' %}
            when trim({{ column }}) = '24:00' then 1440
            {%- endif %}
        end
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
