{#- The contract's timestamp text (CONTRACT.md 6.6) as a UTC timestamp without time zone,
    or null when the text is not in that form:
      YYYY-MM-DD, then `T` or a space, then HH:MM, optional :SS with an optional fraction
      of 1-6 digits, then optional `Z` or +-HH:MM; surrounding spaces ignored; no offset = UTC.
    Hour 24, minute or second 60 and impossible dates (2026-02-30) are null. A null or
    blank input is null: the reason macros tell "missing" from "unparseable". -#}
{% macro utc_timestamp_pattern() -%}
    {#- groups: 1 = date, 2 = wall-clock time, 3 = offset (empty, Z or +-HH:MM) -#}
    {{- return('^([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))[T ]((?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,6})?)?)(Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?$') -}}
{%- endmacro %}

{% macro parse_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'omnireport')(expression)) }}
{%- endmacro %}

{#- DuckDB: one regular expression checks the whole shape and the time ranges; once it
    matched, the parts sit at known positions (date 1-10, time from 12, an offset in the
    last 6 characters, its sign 6th from the end), so plain string functions take them
    apart. try_cast is null for an impossible date such as 2026-02-30. -#}
{% macro duckdb__parse_utc_timestamp(expression) -%}
    {%- set text = 'trim(' ~ expression ~ ')' -%}
    {%- set sign = 'substr(' ~ text ~ ', length(' ~ text ~ ') - 5, 1)' -%}
    (case
        when regexp_full_match({{ text }}, '{{ omnireport.utc_timestamp_pattern() }}')
            then try_cast(
                substr({{ text }}, 1, 10) || ' ' || substr(
                    {{ text }},
                    12,
                    length({{ text }}) - 11
                    - (case when {{ sign }} in ('+', '-') then 6 when right({{ text }}, 1) = 'Z' then 1 else 0 end)
                ) as timestamp
            ) - (
                case
                    when {{ sign }} = '+' then 1
                    when {{ sign }} = '-' then -1
                    else 0
                end
                * (
                    coalesce(try_cast(substr({{ text }}, length({{ text }}) - 4, 2) as integer), 0) * 60
                    + coalesce(try_cast(right({{ text }}, 2) as integer), 0)
                )
            ) * interval '1 minute'
    end)
{%- endmacro %}

{#- PostgreSQL: the pattern checks the shape and the ranges of month, day and time; the
    day is then checked against the length of its month before anything is cast
    (PostgreSQL has no try_cast; CASE keeps the cast from seeing bad text). -#}
{% macro default__parse_utc_timestamp(expression) -%}
    {%- set text = 'trim(' ~ expression ~ ')' -%}
    {%- set pattern = omnireport.utc_timestamp_pattern() -%}
    {%- set offset = "regexp_replace(" ~ text ~ ", '" ~ pattern ~ "', '\\3')" -%}
    (case
        when {{ text }} ~ '{{ pattern }}'
            and cast(substr({{ text }}, 9, 2) as integer) <= extract(
                day from cast(substr({{ text }}, 1, 7) || '-01' as date) + interval '1 month' - interval '1 day'
            )
            then cast(
                regexp_replace({{ text }}, '{{ pattern }}', '\1') || ' ' || regexp_replace({{ text }}, '{{ pattern }}', '\2')
                as timestamp
            ) - (
                case
                    when {{ offset }} in ('', 'Z') then 0
                    else (case when substr({{ offset }}, 1, 1) = '-' then -1 else 1 end)
                        * (cast(substr({{ offset }}, 2, 2) as integer) * 60 + cast(substr({{ offset }}, 5, 2) as integer))
                end
            ) * interval '1 minute'
    end)
{%- endmacro %}

{#- A date exactly YYYY-MM-DD that exists (2026-02-30 does not), surrounding spaces ignored
    (CONTRACT.md 7.1), as a date; else null. -#}
{% macro parse_iso_date(expression) -%}
    {{ return(adapter.dispatch('parse_iso_date', 'omnireport')(expression)) }}
{%- endmacro %}

{% macro duckdb__parse_iso_date(expression) -%}
    (case
        when regexp_full_match(trim({{ expression }}), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            then try_cast(trim({{ expression }}) as date)
    end)
{%- endmacro %}

{#- PostgreSQL and Spark: a date's text at midnight through the timestamp parser, which
    checks the calendar portably. -#}
{% macro default__parse_iso_date(expression) -%}
    (case
        when {{ omnireport.regex_matches('trim(' ~ expression ~ ')', '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }}
            then cast({{ omnireport.parse_utc_timestamp("trim(" ~ expression ~ ") || ' 00:00'") }} as date)
    end)
{%- endmacro %}
