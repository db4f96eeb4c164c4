{#- Per session, the names of its current tags, comma-separated and sorted by code
    point, without duplicates or null names (CONTRACT.md 6.22). A current tag whose
    tag_id is not loaded adds nothing. -#}

{%- set incremental_scope = [('session_id', 'int_incremental_changed_sessions', 'session_id'), ('session_id', 'int_incremental_renamed_sessions', 'session_id')] -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'incremental_scope': incremental_scope},
    pre_hook="{{ omnireport.incremental_delete_model_scope() }}",
) }}
{{ omnireport.incremental_scope_depends_on(incremental_scope) }}


with

current_tags as (

    select
        session_id,
        tag_id
    from {{ ref('int_session_tags_current') }}
    {{ omnireport.incremental_scope_filter(incremental_scope) }}

),

tags as (

    select
        tag_id,
        tag_name
    from {{ ref('stg_crm__tags') }}

),

final as (

    select
        current_tags.session_id,
        {{ omnireport.sorted_string_agg('tags.tag_name') }} as tag_names
    from current_tags
    inner join tags
        on current_tags.tag_id = tags.tag_id
    where tags.tag_name is not null
    group by current_tags.session_id

)

select * from final
