with

source as (
    select * from {{ source('crm', 'agent_status_events') }}
    {{ omnireport.staging_new_raw_rows() }}
),

validated as (
    select
        {{ omnireport.id_or_null('event_id') }} as event_id,
        {{ omnireport.id_or_null('user_id') }} as user_id,
        status,
        {{ omnireport.parse_utc_timestamp('event_at') }} as event_at,
        {{ omnireport.join_reasons([
            omnireport.reason_if_missing('event_id'),
            omnireport.reason_if_missing('user_id'),
            omnireport.reason_if_unknown_value('status', ['online', 'paused', 'offline']),
            omnireport.reason_if_unparseable_timestamp('event_at'),
        ]) }} as _reason,
        _source_file,
        _row_number,
        _load_id,
        _loaded_at
    from source
)

select * from validated
