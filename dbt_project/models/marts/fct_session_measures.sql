{#- The session measures of int_session_measures, stored: the filterable fact every
    session-grain report table sums and `omnireport report` reads. -#}

with

session_measures as (

    select * from {{ ref('int_session_measures') }}
    {{ omnireport.in_scope('session_id') }}

),

final as (

    select * from session_measures

)

select * from final
