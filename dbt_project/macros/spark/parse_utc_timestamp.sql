{#- Spark: the same rules as the DuckDB and PostgreSQL variants (CONTRACT.md 6.6).

    - `rlike` finds the pattern anywhere, and Java's `$` also matches before a final line
      break, so the whole text must also equal what the pattern matched (regexp_extract):
      `2026-03-09 10:00\n` stays unparseable, as on DuckDB (regexp_full_match).
    - Once the pattern matched, the parts sit at known positions, as in the DuckDB
      variant: date 1-10, time from 12, an offset in the last 6 characters (its sign 6th
      from the end) or a final `Z`.
    - With ANSI mode off (dbt-spark always sets spark.sql.ansi.enabled=false) a cast of an
      impossible date (2026-02-30) is null, like DuckDB's try_cast. The session time zone
      is UTC (profiles.yml), so the cast reads the wall-clock time as UTC.
    - The offset is applied with timestampadd in minutes (no interval arithmetic). -#}
{% macro spark__parse_utc_timestamp(expression) -%}
    {%- set text = 'trim(' ~ expression ~ ')' -%}
    {%- set pattern = omnireport.utc_timestamp_pattern() -%}
    {%- set sign = 'substr(' ~ text ~ ', length(' ~ text ~ ') - 5, 1)' -%}
    (case
        when {{ text }} rlike '{{ pattern }}'
            and regexp_extract({{ text }}, '{{ pattern }}', 0) = {{ text }}
            then timestampadd(
                MINUTE,
                - (
                    case
                        when {{ sign }} = '+' then 1
                        when {{ sign }} = '-' then -1
                        else 0
                    end
                    * (
                        case
                            when {{ sign }} in ('+', '-')
                                then cast(substr({{ text }}, length({{ text }}) - 4, 2) as int) * 60
                                    + cast(right({{ text }}, 2) as int)
                            else 0
                        end
                    )
                ),
                cast(
                    substr({{ text }}, 1, 10) || ' ' || substr(
                        {{ text }},
                        12,
                        length({{ text }}) - 11
                        - (case when {{ sign }} in ('+', '-') then 6 when right({{ text }}, 1) = 'Z' then 1 else 0 end)
                    ) as timestamp
                )
            )
    end)
{%- endmacro %}
