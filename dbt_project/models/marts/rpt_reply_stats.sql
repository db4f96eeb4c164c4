{#- Replies by local reply date, agent and channel (CONTRACT.md 7.4): how many, how many
    first replies, and their calendar reply times (total, mean, median and 90th percentile,
    continuous and unrounded) and business reply times (over the replies that have one). -#}

with

replies as (

    select * from {{ ref('fct_replies') }}
    {{ omnireport.in_scope('reply_date') }}

),

final as (

    select
        reply_date,
        replied_by_user_id,
        channel_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as replies,
        {{ omnireport.count_where('reply_number = 1') }} as first_replies,
        coalesce(sum(reply_time_s), 0.0) as total_reply_time_s,
        avg(reply_time_s) as avg_reply_time_s,
        cast({{ omnireport.percentile_cont('reply_time_s', 0.5) }} as {{ omnireport.type_double() }}) as median_reply_time_s,
        cast({{ omnireport.percentile_cont('reply_time_s', 0.9) }} as {{ omnireport.type_double() }}) as p90_reply_time_s,
        coalesce(sum(reply_time_business_s), 0.0) as total_reply_time_business_s,
        cast(count(reply_time_business_s) as {{ dbt.type_bigint() }}) as replies_with_business_time,
        {{ omnireport.safe_average('sum(reply_time_business_s)', 'count(reply_time_business_s)') }} as avg_reply_time_business_s
    from replies
    group by
        reply_date,
        replied_by_user_id,
        channel_id

)

select * from final
