{#- Row validation (CONTRACT.md 4, 6.2-6.6, 6.8): the readable reason a raw value or row is
    bad, or null. join_reasons turns a row's reasons into `_reason`: null for a good row. -#}

{#- The reason of one column, from its spec in the var raw_tables; `value` is the typed
    value (parsed once by validated_rows). Null when the column has no rule. -#}
{% macro column_reason(column, spec, value) -%}
    {%- set quoted = "'''' || " ~ column ~ " || ''''" -%}
    {%- set missing = "'missing " ~ column ~ "'" if spec.get('required') or spec['kind'] == 'enum' else 'null' -%}
    {%- if spec['kind'] == 'enum' -%}
        case
            when {{ omnireport.is_blank(column) }} then {{ missing }}
            when {{ column }} not in ('{{ spec["values"] | join("', '") }}')
                then 'unknown {{ column }} ' || {{ quoted }}
        end
    {%- elif omnireport.is_parsed_kind(spec['kind']) -%}
        {%- set problem = omnireport.problem_word(spec['kind']) -%}
        case
            when {{ omnireport.is_blank(column) }} then {{ missing }}
            when ({{ value }}) is null then '{{ problem }} {{ column }} ' || {{ quoted }}
        end
    {%- elif spec.get('required') -%}
        case when {{ omnireport.is_blank(column) }} then {{ missing }} end
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}

{#- The reason of a rule across columns of one row (a table's row_rules). `values` maps a
    parsed column to its typed value. -#}
{% macro row_rule_reason(rule, values) -%}
    {%- if rule['rule'] == 'ordered' -%}
        {#- `strict`: the later value must be greater, not only not smaller -#}
        case when {{ values[rule['later']] }} {{ '<=' if rule.get('strict') else '<' }} {{ values[rule['earlier']] }} then '{{ rule["reason"] }}' end
    {%- elif rule['rule'] == 'absent_when' -%}
        case when not {{ omnireport.is_blank(rule['column']) }} and {{ rule['when'] }} then '{{ rule["reason"] }}' end
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown row rule '" ~ rule['rule'] ~ "' in the var raw_tables") }}
    {%- endif -%}
{%- endmacro %}

{#- The reasons of one row joined with '; ' in the order given; null when none. -#}
{% macro join_reasons(reasons) -%}
    nullif(concat_ws('; ',
        {%- for reason in reasons %}
        {{ reason }}{{ ',' if not loop.last }}
        {%- endfor %}
    ), '')
{%- endmacro %}

{#- The rule a column's reason belongs to, without the raw value: `missing status`,
    `unknown status`, `unparseable sent_at`, `invalid rating`. SQL on the raw column. -#}
{% macro column_rule_label(column, spec) -%}
    {%- if spec['kind'] == 'enum' or omnireport.is_parsed_kind(spec['kind']) -%}
        {%- set problem = omnireport.problem_word(spec['kind']) -%}
        case when {{ omnireport.is_blank(column) }} then 'missing {{ column }}' else '{{ problem }} {{ column }}' end
    {%- else -%}
        'missing {{ column }}'
    {%- endif -%}
{%- endmacro %}
