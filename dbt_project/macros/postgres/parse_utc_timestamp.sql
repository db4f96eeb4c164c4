{#- PostgreSQL: the same rules as default__parse_utc_timestamp (CONTRACT.md 6.6), with one
    regular-expression test per value instead of up to eight (each regexp_replace of the
    generic variant re-runs the whole pattern, which made the staging views about 30x
    slower). Once the pattern matched, the parts sit at known positions, as in the DuckDB
    variant: date 1-10, time from 12, an offset in the last 6 characters (its sign 6th
    from the end) or a final `Z`. The day is checked against the length of its month
    before anything is cast (PostgreSQL has no try_cast; CASE keeps the cast from seeing
    bad text). -#}
{% macro postgres__parse_utc_timestamp(expression) -%}
    {%- set text = 'trim(' ~ expression ~ ')' -%}
    {%- set sign = 'substr(' ~ text ~ ', length(' ~ text ~ ') - 5, 1)' -%}
    (case
        when {{ text }} ~ '{{ omnireport.utc_timestamp_pattern() }}'
            and cast(substr({{ text }}, 9, 2) as integer) <= extract(
                day from cast(substr({{ text }}, 1, 7) || '-01' as date) + interval '1 month' - interval '1 day'
            )
            then cast(
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
                    case
                        when {{ sign }} in ('+', '-')
                            then cast(substr({{ text }}, length({{ text }}) - 4, 2) as integer) * 60
                                + cast(right({{ text }}, 2) as integer)
                        else 0
                    end
                )
            ) * interval '1 minute'
    end)
{%- endmacro %}
