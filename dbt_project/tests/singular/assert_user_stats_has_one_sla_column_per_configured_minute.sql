-- CONTRACT.md 5: rpt_user_stats has one sla_<X>m column per value of var sla_minutes and
-- no other sla_ column. Returns each missing or unexpected column.

{%- set relation = ref('rpt_user_stats') -%}
{%- set expected = [] -%}
{%- for minutes in var('sla_minutes') -%}
    {%- do expected.append('sla_' ~ minutes ~ 'm') -%}
{%- endfor -%}
{%- set actual = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name.lower().startswith('sla_') -%}
            {%- do actual.append(column.name.lower()) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

expected_columns as (

    {% for name in expected %}
        select '{{ name }}' as column_name
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

actual_columns as (

    {% if actual %}
        {% for name in actual %}
            select '{{ name }}' as column_name
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    {% else %}
        select cast(null as {{ dbt.type_string() }}) as column_name
        where 1 = 0
    {% endif %}

),

missing as (

    select
        column_name,
        'missing' as problem
    from expected_columns
    where column_name not in (select column_name from actual_columns)

),

unexpected as (

    select
        column_name,
        'unexpected' as problem
    from actual_columns
    where column_name not in (select column_name from expected_columns)

)

select * from missing
union all
select * from unexpected
