{#- Free text with what var reader_redactions lists replaced, in its order: each pattern's
    every match by its replacement (`[url]`, `[email]`, `[phone]`). The patterns use only
    syntax that DuckDB (RE2), PostgreSQL (ARE) and Spark (Java) read alike: no \b, no
    look-around, case-insensitivity as a leading (?i). -#}
{% macro redact_text(expression) -%}
    {%- set redacted = namespace(sql=expression) -%}
    {%- for rule in var('reader_redactions') -%}
        {%- set redacted.sql = omnireport.regexp_replace_all(redacted.sql, rule['pattern'], rule['replacement']) -%}
    {%- endfor -%}
    {{ return(redacted.sql) }}
{%- endmacro %}

{#- Every match of the pattern replaced; pattern and replacement are plain text (quoted here). -#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'omnireport')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ omnireport.quoted_text(pattern) }}, {{ omnireport.quoted_text(replacement) }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ omnireport.quoted_text(pattern) }}, {{ omnireport.quoted_text(replacement) }})
{%- endmacro %}

{#- A SQL string literal of the text. Not named string_literal: dbt has one, which expects
    escaped text, and this project's dispatch order (omnireport first) would replace it.
    Spark reads backslash escapes in literals, so there each backslash is doubled; DuckDB and
    PostgreSQL keep backslashes as written. -#}
{% macro quoted_text(text) -%}
    {{ return(adapter.dispatch('quoted_text', 'omnireport')(text)) }}
{%- endmacro %}

{% macro default__quoted_text(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__quoted_text(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
