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

{#- A stg_crm__<table> model: the good rows of base_crm__<table>_validated, one per key
    (the table's key, which it sets as the model's unique_key), the highest of the table's latest_by columns, then the last
    loaded (CONTRACT.md 1, 6.1-6.2). In an incremental run only the keys with a version
    loaded since the model's own watermark are recomputed, from all their good versions. -#}
{% macro latest_good_versions(table_name) -%}
    {%- set base_model = 'base_crm__' ~ table_name ~ '_validated' -%}
    {%- set table = omnireport.raw_table(table_name) -%}
    {%- set key_columns = table['key'] -%}
    {{ config(unique_key=key_columns) }}
with

validated as (
    select * from {{ ref(base_model) }} as validated_rows
    where _reason is null
    {{ omnireport.staging_changed_keys(base_model, key_columns, 'validated_rows') }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', key_columns, table.get('latest_by', [])) }}
),

final as (
    select
        {%- for column in table['columns'] %}
        {{ column }},
        {%- endfor %}
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
{%- endmacro %}
