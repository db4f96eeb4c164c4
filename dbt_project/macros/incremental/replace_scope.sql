{#- The replace_scope incremental strategy (dbt's get_incremental_<name>_sql hook): delete
    the rows of the run's scope, then insert the rows the model computed for it. The scope
    column is the model's unique_key; its scope model is omnireport.scope_models()'s. The
    model filters its inputs on the same scope (omnireport.in_scope), so every row it
    writes belongs to the scope, and a grain row that no longer counts anything (a date
    a session left, a participation that went away) is deleted and not written again. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set column = arg_dict['unique_key'] -%}
    {%- if column is none or column is not string -%}
        {{ exceptions.raise_compiler_error("the replace_scope strategy needs one scope column as unique_key, e.g. unique_key='session_id'") }}
    {%- endif -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ column }} in (select {{ column }} from {{ omnireport.scope_relation(column) }});
    {{ get_incremental_append_sql(arg_dict) }}
{%- endmacro %}
