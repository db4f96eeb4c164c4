{#- A base_crm__<table>_validated model: every raw row of the table loaded since the
    model's own watermark (all of them in a full build), typed and validated on its own
    (CONTRACT.md 4, 6.2-6.6) by the rules of the var raw_tables. `_reason` is null for a
    good row, else every reason in column order, row rules last, joined with '; '. Each
    timestamp, rating and boolean is parsed once, and its reason read from the result. -#}
{% macro validated_rows(table_name) -%}
    {%- set table = omnireport.raw_table(table_name) -%}
    {%- set columns = table['columns'] -%}
    {%- set values = {} -%}
    {%- for column, spec in columns.items() if omnireport.is_parsed_kind(spec['kind']) -%}
        {%- do values.update({column: column ~ '__value'}) -%}
    {%- endfor -%}
with

source as (
    select * from {{ source('crm', table_name) }}
    {{ omnireport.staging_new_raw_rows() }}
),

parsed as (
    select
        {%- for column, value in values.items() %}
        {{ omnireport.typed_value(column, columns[column]['kind']) }} as {{ value }},
        {%- endfor %}
        source.*
    from source
),

validated as (
    select
        {%- for column, spec in columns.items() %}
        {{ values[column] if column in values else omnireport.typed_value(column, spec['kind']) }} as {{ column }},
        {%- endfor %}
        {%- set reasons = [] -%}
        {%- for column, spec in columns.items() -%}
            {%- set reason = omnireport.column_reason(column, spec, values.get(column)) -%}
            {%- if reason | trim != 'null' -%}{%- do reasons.append(reason) -%}{%- endif -%}
        {%- endfor -%}
        {%- for rule in table.get('row_rules', []) -%}
            {%- do reasons.append(omnireport.row_rule_reason(rule, values)) -%}
        {%- endfor %}
        {{ omnireport.join_reasons(reasons) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from parsed
)

select * from validated
{%- endmacro %}
