{#- The quarantine of one raw table (CONTRACT.md 4, 6.8): every raw row whose validation
    gave a reason, with its columns as exported (text), `reason` and its lineage. -#}
{% macro quarantine_rows(table_name) -%}
with

source as (
    select * from {{ source('crm', table_name) }}
),

rejected as (
    select
        _load_id,
        _row_number,
        _reason
    from {{ ref('base_crm__' ~ table_name ~ '_validated') }}
    where _reason is not null
),

final as (
    select
        {%- for column in omnireport.raw_columns(table_name) %}
        source.{{ column }},
        {%- endfor %}
        rejected._reason as reason,
        source._source_file,
        source._row_number,
        source._load_id
    from source
    inner join rejected
        on source._load_id = rejected._load_id
        and source._row_number = rejected._row_number
)

select * from final
{%- endmacro %}
