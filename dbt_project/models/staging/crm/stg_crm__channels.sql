{#- Good channels rows, one per channel_id: the last loaded (CONTRACT.md 1, 6.1-6.2). -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='channel_id') }}

with

validated as (
    select * from {{ ref('base_crm__channels_validated') }}
    where _reason is null
    {{ omnireport.staging_changed_keys('base_crm__channels_validated', ['channel_id']) }}
),

deduplicated as (
    {{ omnireport.deduplicate_latest('validated', ['channel_id']) }}
),

final as (
    select
        channel_id,
        channel_name,
        channel_type,
        _source_file,
        _row_number,
        _load_id
    from deduplicated
)

select * from final
