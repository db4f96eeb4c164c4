{#- Good contacts rows, one per contact_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='contact_id') }}

with

validated as (
    select * from {{ ref('base_crm__contacts_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__contacts_validated', ['contact_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['contact_id']) }}
),

final as (
    select
        contact_id,
        display_name,
        channel_id,
        external_id,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
