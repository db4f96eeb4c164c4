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

    select * from {{ ref('int_session_tags_current') }}
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
        current_tags.tag_id,
        tags.tag_name,
        current_tags.tagged_at
    from current_tags
    left join tags
        on current_tags.tag_id = tags.tag_id

)

select * from final
