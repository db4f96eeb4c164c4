{#- Good agent_status_events rows, one per event_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='event_id') }}

with

validated as (
    select * from {{ ref('base_crm__agent_status_events_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__agent_status_events_validated', ['event_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['event_id']) }}
),

final as (
    select
        event_id,
        user_id,
        status,
        event_at,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
