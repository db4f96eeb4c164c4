{#- The local reply_date partitions rpt_reply_stats replaces in an incremental run: the
    local date of every raw version of every message of the sessions whose replies the run
    recomputes (int_incremental_business_sessions: a superset of the dates their replies
    were and are on). -#}

with

final as (
    select {{ omnireport.local_date('sent_at') }} as reply_date
    from {{ ref('base_crm__messages_validated') }}
    where session_id in (select session_id from {{ ref('int_incremental_business_sessions') }})
)

select distinct reply_date from final where reply_date is not null
