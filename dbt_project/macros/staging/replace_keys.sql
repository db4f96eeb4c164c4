{#- The replace_keys incremental strategy of the stg models (dbt's
    get_incremental_<name>_sql hook): delete the target rows whose key the run recomputed,
    then insert the recomputed rows. Unlike delete+insert it compares keys null-safe: a key
    column may be empty (business_hours.valid_from: in force since forever, CONTRACT.md
    7.1), and an empty value must replace the row with the same empty value. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set key_columns = arg_dict['unique_key'] -%}
    {%- if key_columns is string -%}{%- set key_columns = [key_columns] -%}{%- endif -%}
    delete from {{ arg_dict['target_relation'] }} as current_rows
    where exists (
        select 1
        from {{ arg_dict['temp_relation'] }} as recomputed
        where {{ omnireport.keys_match('recomputed', 'current_rows', key_columns) }}
    );
    {{ get_incremental_append_sql(arg_dict) }}
{%- endmacro %}

{#- `left.k1 = right.k1 and ...`: equal keys, an empty value equal to an empty one. Only a
    key column that may be empty compares null-safe: PostgreSQL cannot hash-join on `is not
    distinct from`, and a nested loop over every message of a full build took minutes. -#}
{% macro keys_match(left, right, key_columns) -%}
    {%- set nullable = omnireport.nullable_key_columns() -%}
    {%- for column in key_columns -%}
    {%- if column in nullable -%}
    {{ omnireport.null_safe_equal(left ~ '.' ~ column, right ~ '.' ~ column) }}
    {%- else -%}
    {{ left ~ '.' ~ column }} = {{ right ~ '.' ~ column }}
    {%- endif -%}
    {%- if not loop.last %} and {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The key columns of the raw tables that are not required (var raw_tables): the only ones
    a valid row may leave empty. -#}
{% macro nullable_key_columns() -%}
    {%- set nullable = [] -%}
    {%- for table in var('raw_tables').values() -%}
        {%- for column in table.get('key', []) -%}
            {%- if not (table.get('columns', {}).get(column) or {}).get('required', false) -%}
                {%- do nullable.append(column) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(nullable) }}
{%- endmacro %}

{% macro null_safe_equal(left, right) -%}
    {{ return(adapter.dispatch('null_safe_equal', 'omnireport')(left, right)) }}
{%- endmacro %}

{% macro default__null_safe_equal(left, right) -%}
    {{ left }} is not distinct from {{ right }}
{%- endmacro %}

{% macro spark__null_safe_equal(left, right) -%}
    {{ left }} <=> {{ right }}
{%- endmacro %}
