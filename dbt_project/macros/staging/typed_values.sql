{#- Typing of raw text values (CONTRACT.md 6.3-6.5). Each returns null for text that is
    missing or not valid; the reason_* macros say why a row is bad. -#}

{#- True when the raw value is missing: null, empty or only spaces. -#}
{% macro is_blank(column) -%}
    ({{ column }} is null or trim({{ column }}) = '')
{%- endmacro %}

{#- An id as exported; blank counts as missing and becomes null. -#}
{% macro id_or_null(column) -%}
    case when {{ omnireport.is_blank(column) }} then null else {{ column }} end
{%- endmacro %}

{#- Free text (names, content, notes, email) as exported; the empty string becomes null,
    as an empty CSV field does, so CSV and JSONL exports agree. -#}
{% macro text_or_null(column) -%}
    nullif({{ column }}, '')
{%- endmacro %}

{#- rating: 1 to 5, surrounding spaces ignored; anything else null. -#}
{% macro parse_rating(column) -%}
    case
        when trim({{ column }}) in ('1', '2', '3', '4', '5')
            then cast(trim({{ column }}) as {{ dbt.type_int() }})
    end
{%- endmacro %}

{#- is_active: true/false, t/f, 1/0, yes/no in any case, surrounding spaces ignored. -#}
{% macro parse_boolean(column) -%}
    case
        when lower(trim({{ column }})) in ('true', 't', '1', 'yes') then true
        when lower(trim({{ column }})) in ('false', 'f', '0', 'no') then false
    end
{%- endmacro %}
