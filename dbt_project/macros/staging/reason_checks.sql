{#- Row validation (CONTRACT.md 4, 6.2-6.6, 6.8). Each reason_* macro is one kind of check
    on one raw column: a readable reason text when the value is bad, else null.
    join_reasons turns a row's reasons into `_reason`: null for a good row. -#}

{#- Quote a raw value inside a reason: 'Done'. -#}
{% macro quoted_raw_value(column) -%}
    '''' || {{ column }} || ''''
{%- endmacro %}

{#- A required id or text value: `missing <column>`. -#}
{% macro reason_if_missing(column) -%}
    case when {{ omnireport.is_blank(column) }} then 'missing {{ column }}' end
{%- endmacro %}

{#- A required enumeration, matched exactly (`Done` is unknown):
    `missing <column>` or `unknown <column> '<value>'`. -#}
{% macro reason_if_unknown_value(column, accepted_values) -%}
    case
        when {{ omnireport.is_blank(column) }} then 'missing {{ column }}'
        when {{ column }} not in ('{{ accepted_values | join("', '") }}')
            then 'unknown {{ column }} ' || {{ omnireport.quoted_raw_value(column) }}
    end
{%- endmacro %}

{#- A value that is present but does not parse: `<problem> <column> '<value>'`;
    when missing: `missing <column>` if required, else fine. -#}
{% macro reason_if_not_parsed(column, parsed_expression, problem, required) -%}
    case
        when {{ omnireport.is_blank(column) }} then {% if required %}'missing {{ column }}'{% else %}null{% endif %}
        when ({{ parsed_expression }}) is null
            then '{{ problem }} {{ column }} ' || {{ omnireport.quoted_raw_value(column) }}
    end
{%- endmacro %}

{#- A timestamp (CONTRACT.md 6.6): `missing <column>` / `unparseable <column> '<value>'`. -#}
{% macro reason_if_unparseable_timestamp(column, required=true) -%}
    {{ omnireport.reason_if_not_parsed(column, omnireport.parse_utc_timestamp(column), 'unparseable', required) }}
{%- endmacro %}

{#- rating: one of 1-5 or empty: `invalid rating '<value>'`. -#}
{% macro reason_if_invalid_rating(column) -%}
    {{ omnireport.reason_if_not_parsed(column, omnireport.parse_rating(column), 'invalid', false) }}
{%- endmacro %}

{#- A boolean such as is_active: `invalid <column> '<value>'`. -#}
{% macro reason_if_invalid_boolean(column) -%}
    {{ omnireport.reason_if_not_parsed(column, omnireport.parse_boolean(column), 'invalid', false) }}
{%- endmacro %}

{#- A rule across columns of one row: the reason text when the condition holds. -#}
{% macro reason_if(condition, reason) -%}
    case when {{ condition }} then '{{ reason }}' end
{%- endmacro %}

{#- `done_at before started_at`, when both parse. -#}
{% macro reason_if_ends_before_start(end_column, start_column) -%}
    {{ omnireport.reason_if(
        omnireport.parse_utc_timestamp(end_column) ~ ' < ' ~ omnireport.parse_utc_timestamp(start_column),
        end_column ~ ' before ' ~ start_column
    ) }}
{%- endmacro %}

{#- A value that must be empty in some state: `<column> set on <state>`
    (`done_at set on an open session`, `agent_user_id on an incoming message`). -#}
{% macro reason_if_set_when(column, condition, reason) -%}
    {{ omnireport.reason_if('not ' ~ omnireport.is_blank(column) ~ ' and ' ~ condition, reason) }}
{%- endmacro %}

{#- The reasons of one row joined with '; ' in the order given; null when none. -#}
{% macro join_reasons(reasons) -%}
    nullif(concat_ws('; ',
        {%- for reason in reasons %}
        {{ reason }}{{ ',' if not loop.last }}
        {%- endfor %}
    ), '')
{%- endmacro %}
