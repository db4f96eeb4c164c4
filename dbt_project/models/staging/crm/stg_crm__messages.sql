{#- Good messages rows, one per message_id: the highest status_updated_at, then the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='message_id') }}

with

validated as (
    select * from {{ ref('base_crm__messages_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__messages_validated', ['message_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['message_id'], ['status_updated_at']) }}
),

final as (
    select
        message_id,
        conversation_id,
        session_id,
        channel_id,
        initiated_by,
        direction,
        from_id,
        to_id,
        agent_user_id,
        sent_at,
        content_type,
        content,
        template_id,
        template_name,
        media_url,
        status,
        status_updated_at,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
