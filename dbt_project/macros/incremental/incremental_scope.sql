{#- The scope of an incremental run: which rows a model recomputes, and which it deletes
    first. A condition is (column, scope model, scope column): `column in (select scope
    column from scope model)`; several are or-ed. The scope models live in
    models/intermediate/incremental/. `existing`: name each scope model by its relation in
    the warehouse instead of ref() (a data test, which may not ref() them). -#}

{% macro incremental_scope_condition(conditions, existing=false) -%}
    (
    {%- for column, scope_model, scope_column in conditions %}
        {{ column }} in (select {{ scope_column }} from {{ omnireport.incremental_existing_relation(scope_model) if existing else ref(scope_model) }}){{ ' or' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{#- `where <scope condition>` in an incremental run, nothing in a full build. -#}
{% macro incremental_scope_filter(conditions, keyword='where') -%}
    {%- if omnireport.incremental_scope_active() -%}
        {{ keyword }} {{ omnireport.incremental_scope_condition(conditions) }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: delete the rows of the scope before the recomputed ones are inserted, so a
    grain row that no longer counts anything (a participation that went away, a date a
    session left) disappears. Nothing in a full build. -#}
{% macro incremental_delete_scope(conditions) -%}
    {%- if omnireport.incremental_scope_active() -%}
        delete from {{ this }} where {{ omnireport.incremental_scope_condition(conditions) }}
    {%- endif -%}
{%- endmacro %}

{#- The scope of the model being built: its meta `incremental_scope`, set in its config()
    from the same list its filters use. The publish step reads it from the manifest too, to
    copy only those rows into the readers' snapshot (omnireport.publish). -#}
{% macro incremental_model_scope() -%}
    {{ return((config.get('meta') or {}).get('incremental_scope') or []) }}
{%- endmacro %}

{#- Pre-hook of an incremental model: incremental_delete_scope of its own scope. -#}
{% macro incremental_delete_model_scope() -%}
    {{ return(omnireport.incremental_delete_scope(omnireport.incremental_model_scope())) }}
{%- endmacro %}

{#- Pre-hook of an incremental model that carries a dimension's name (meta
    `incremental_names`: (column, dimension model, key column) entries). After its scope is
    deleted, every remaining row whose name differs from the dimension's current one gets it
    in place: a renamed channel updates its messages' channel_name without recomputing them.
    A key the dimension lacks gets null, as the full build's left join gives. The publish
    step applies the same update to the readers' snapshot. Nothing in a full build. -#}
{% macro incremental_update_model_names() -%}
    {%- if omnireport.incremental_scope_active() -%}
        {%- for column, dimension_model, key_column in (config.get('meta') or {}).get('incremental_names') or [] -%}
            {%- set current_name -%}
                select names.{{ column }} from {{ ref(dimension_model) }} as names
                where names.{{ key_column }} = target.{{ key_column }}
            {%- endset %}
        update {{ this }} as target
        set {{ column }} = ({{ current_name }})
        where target.{{ column }} is distinct from ({{ current_name }}){{ ';' if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- The keys of a validated raw table with a good version loaded after `after_load_id`
    (a number, or a SQL expression giving one): the keys a run must look at again. Staging
    re-deduplicates them; the scope models follow every raw version of them. -#}
{% macro keys_with_new_versions(base_model, key_columns, after_load_id) -%}
    select {{ key_columns | join(', ') }}
    from {{ ref(base_model) }}
    where _load_id > {{ after_load_id }} and _reason is null
{%- endmacro %}

{#- The ids of a dimension table whose current version is new since the last build and
    differs from the version that build saw (or is new): a re-export with the same values
    changes nothing downstream. -#}
{% macro incremental_changed_dimension_ids(table_name, key_column, value_columns, last_load_id) -%}
    select current_rows.{{ key_column }} as changed_id
    from {{ ref('stg_crm__' ~ table_name) }} as current_rows
    left join (
        {{ omnireport.deduplicate_latest(
            '(select * from ' ~ ref('base_crm__' ~ table_name ~ '_validated') ~ ' where _reason is null and _load_id <= ' ~ last_load_id
            ~ ' and ' ~ key_column ~ ' in (select ' ~ key_column ~ ' from ' ~ ref('stg_crm__' ~ table_name) ~ ' where _load_id > ' ~ last_load_id ~ ')) as previous_versions',
            [key_column]
        ) }}
    ) as previous_rows
        on current_rows.{{ key_column }} = previous_rows.{{ key_column }}
    where
        current_rows._load_id > {{ last_load_id }}
        and (
            previous_rows.{{ key_column }} is null
            {%- for column in value_columns %}
            or current_rows.{{ column }} is distinct from previous_rows.{{ column }}
            {%- endfor %}
        )
{%- endmacro %}

{#- An empty relation with the given columns (a full build has no scope). -#}
{% macro incremental_empty_scope(columns) -%}
    select
    {%- for name, data_type in columns.items() %} cast(null as {{ data_type }}) as {{ name }}{{ ',' if not loop.last }}{% endfor %}
    where 1 = 0
{%- endmacro %}

{#- Declare the scope models of its conditions as parents of an incremental model (refs that sit inside
    `if incremental` branches are invisible to dbt's parser). Left out of a dbt unit test,
    which renders the model with `model` being the test: the test then needs no given rows
    for them, and it always runs the full-build branch (incremental_scope_active). -#}
{% macro incremental_scope_depends_on(conditions) -%}
    {%- if model.resource_type != 'unit_test' -%}
        {%- for scope_model in conditions | map(attribute=1) | unique %}
/* depends_on: {{ ref(scope_model) }} */
        {%- endfor %}

    {%- endif -%}
{%- endmacro %}
