{#- Good sessions rows, one per session_id: the highest updated_at, then the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='session_id') }}

with

validated as (
    select * from {{ ref('base_crm__sessions_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__sessions_validated', ['session_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['session_id'], ['updated_at']) }}
),

final as (
    select
        session_id,
        conversation_id,
        channel_id,
        contact_id,
        session_name,
        support_type,
        assigned_user_id,
        category_id,
        note,
        status,
        started_at,
        done_at,
        rating,
        updated_at,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
