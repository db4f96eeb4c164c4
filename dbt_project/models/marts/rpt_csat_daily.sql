{#- Satisfaction by local start date, channel and assignee (CONTRACT.md 7.7; null: not
    assigned): a session's rating is credited to its assignee. Satisfied is a rating of 4
    or 5, dissatisfied 1 or 2; csat_pct is satisfied over rated sessions, 0-100 rounded
    half-up; the average rating is unrounded, and total_rating / rated_sessions of any
    rows is their average rating. -#}

with

sessions as (

    select
        started_date,
        channel_id,
        assigned_user_id,
        is_completed,
        rating
    from {{ ref('int_session_metrics') }}
    {{ omnireport.in_scope('started_date') }}

),

final as (

    select
        started_date,
        channel_id,
        assigned_user_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as sessions,
        {{ omnireport.count_where('is_completed') }} as done_sessions,
        {{ omnireport.count_where('rating is not null') }} as rated_sessions,
        {{ omnireport.count_where('rating in (4, 5)') }} as satisfied_sessions,
        {{ omnireport.count_where('rating in (1, 2)') }} as dissatisfied_sessions,
        {{ omnireport.percentage(omnireport.count_where('rating in (4, 5)'), omnireport.count_where('rating is not null')) }} as csat_pct,
        cast(avg(rating) as {{ omnireport.type_double() }}) as avg_rating,
        -- avg_rating's numerator, so any set of rows gives its average rating from sums
        cast(coalesce(sum(rating), 0) as {{ dbt.type_bigint() }}) as total_rating
    from sessions
    group by
        started_date,
        channel_id,
        assigned_user_id

)

select * from final
