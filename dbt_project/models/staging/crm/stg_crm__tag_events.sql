{#- Good tag_events rows, one per tag_event_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='tag_event_id') }}

with

validated as (
    select * from {{ ref('base_crm__tag_events_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__tag_events_validated', ['tag_event_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['tag_event_id']) }}
),

final as (
    select
        tag_event_id,
        tag_id,
        session_id,
        contact_id,
        channel_id,
        user_id,
        action,
        event_at,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
