{#- The local started_date partitions the session reports replace in an incremental run:
    the date of every raw version of every session in the run's scope, so a re-export
    that moves started_at to another day updates the old day and the new. -#}

with

final as (
    select {{ omnireport.local_date('started_at') }} as started_date
    from {{ ref('base_crm__sessions_validated') }}
    where session_id in (select session_id from {{ ref('int_incremental_sessions') }})
)

select distinct started_date from final where started_date is not null
