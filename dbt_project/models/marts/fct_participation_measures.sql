{#- The participation measures of int_participation_measures, stored: the filterable
    fact rpt_user_stats sums and the by-user report view reads. One sla_<X>m count per
    value of var sla_minutes (see the model's YAML). -#}

with

participation_measures as (

    select * from {{ ref('int_participation_measures') }}
    {{ omnireport.in_scope('session_id') }}

),

final as (

    select * from participation_measures

)

select * from final
