{#- The conversations fct_conversations replaces in an incremental run: the conversation
    of every raw version of every session in the run's scope (a re-export can move a
    session to another conversation). -#}

with

final as (
    select conversation_id
    from {{ ref('base_crm__sessions_validated') }}
    where session_id in (select session_id from {{ ref('int_incremental_sessions') }})
)

select distinct conversation_id from final where conversation_id is not null
