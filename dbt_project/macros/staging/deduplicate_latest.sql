{#- Deduplicate (CONTRACT.md 1, 6.1-6.2): keep one row per key, the highest of
    order_columns (each descending), then the last loaded, (_load_id, _row_number).
    `relation` is a relation or CTE of validated (good) rows only: a quarantined row
    takes no part. Adds `_version_rank` (always 1 in the result). -#}
{% macro deduplicate_latest(relation, key_columns, order_columns=[]) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    {%- for column in order_columns %}
                    {{ column }} desc,
                    {%- endfor %}
                    _load_id desc,
                    _row_number desc
            ) as _version_rank
        from {{ relation }}
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
