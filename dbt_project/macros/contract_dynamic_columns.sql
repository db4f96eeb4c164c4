{#- Enforced contracts with columns generated from vars.

    rpt_user_stats has one sla_<X>m column per value of var sla_minutes (CONTRACT.md 5),
    so its YAML cannot list them. A model whose config has
    `meta: {sla_contract_columns: {after: <column>, data_type: <type>}}` gets those
    columns added to its contract at run time, after the named column, before dbt
    compares the model's columns with the contract and creates the table: the contract
    then covers every column, the generated ones included.

    The YAML names logical types (varchar, timestamp, date, double, bigint, integer,
    boolean); translate_contract_data_types turns each into the adapter's own name
    (contract_data_type: on PostgreSQL `double` is `double precision` and `varchar` is
    `text`, the type of every string a model computes and of the raw columns there) in
    the same step, before dbt casts them, compares and writes the DDL. On DuckDB every
    name stays as written.

    This overrides dbt's `get_assert_columns_equivalent` dispatch (dbt_project.yml puts
    this project first in the dbt namespace's search order); for other models it does
    exactly what dbt does. -#}

{% macro default__get_assert_columns_equivalent(sql) -%}
    {%- do omnireport.add_sla_contract_columns() -%}
    {%- do omnireport.translate_contract_data_types() -%}
    {{ return(assert_columns_equivalent(sql)) }}
{%- endmacro %}

{#- Rewrite every contract column's data_type to the adapter's name (idempotent). -#}
{% macro translate_contract_data_types() -%}
    {%- for name, column in model['columns'].items() -%}
        {%- if column.get('data_type') -%}
            {%- do column.update({'data_type': omnireport.contract_data_type(column['data_type'])}) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The adapter's name of a logical contract type; unknown names pass through. -#}
{% macro contract_data_type(data_type) -%}
    {{ return(adapter.dispatch('contract_data_type', 'omnireport')(data_type)) }}
{%- endmacro %}

{% macro default__contract_data_type(data_type) -%}
    {%- set logical = data_type | trim | lower -%}
    {%- if logical == 'double' -%}
        {{ return(omnireport.type_double()) }}
    {%- elif logical == 'varchar' -%}
        {{ return(dbt.type_string()) }}
    {%- endif -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro duckdb__contract_data_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro add_sla_contract_columns() -%}
    {%- set spec = config.get('meta', {}).get('sla_contract_columns') -%}
    {%- if spec -%}
        {%- set existing = [] -%}
        {%- for name, column in model['columns'].items() -%}
            {%- do existing.append((name, column)) -%}
        {%- endfor -%}
        {%- for name, _ in existing -%}
            {%- do model['columns'].pop(name) -%}
        {%- endfor -%}
        {%- for name, column in existing -%}
            {%- do model['columns'].update({name: column}) -%}
            {%- if name == spec['after'] -%}
                {%- for minutes in var('sla_minutes') -%}
                    {%- set sla_name = 'sla_' ~ minutes ~ 'm' -%}
                    {%- do model['columns'].update({sla_name: {
                        'name': sla_name,
                        'data_type': spec['data_type'],
                        'constraints': [],
                        'quote': none,
                        'description': 'Sessions the agent answered first within ' ~ minutes ~ ' minute(s).',
                    }}) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
