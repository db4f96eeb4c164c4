with

tag_events as (

    select * from {{ ref('int_tag_events_counted') }}
    {{ omnireport.in_scope('event_date') }}

),

final as (

    select
        event_date,
        tag_id,
        channel_id,
        user_id as tagged_by_user_id,
        {{ omnireport.count_where("action = 'added'") }} as tags_added,
        {{ omnireport.count_where("action = 'removed'") }} as tags_removed
    from tag_events
    group by
        event_date,
        tag_id,
        channel_id,
        user_id

)

select * from final
