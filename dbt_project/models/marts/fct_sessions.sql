with

sessions as (

    select * from {{ ref('int_session_metrics') }}
    {{ omnireport.in_scope('session_id') }}

),

contacts as (

    select
        contact_id,
        display_name
    from {{ ref('stg_crm__contacts') }}

),

channels as (

    select * from {{ ref('dim_channels') }}

),

users as (

    select
        user_id,
        full_name
    from {{ ref('stg_crm__users') }}

),

categories as (

    select * from {{ ref('dim_categories') }}

),

tag_names as (

    select * from {{ ref('int_session_tag_names') }}
    {{ omnireport.in_scope('session_id') }}

),

business_times as (

    select * from {{ ref('int_session_business_times') }}
    {{ omnireport.in_scope('session_id') }}

),

final as (

    select
        sessions.session_id,
        sessions.conversation_id,
        sessions.contact_id,
        contacts.display_name as contact_name,
        sessions.session_name,
        sessions.channel_id,
        channels.channel_name,
        channels.channel_type,
        sessions.support_type,
        sessions.session_type,
        sessions.assigned_user_id,
        users.full_name as staff_name,
        sessions.note,
        sessions.category_id,
        categories.category,
        categories.sub_category,
        categories.sub_sub_category,
        tag_names.tag_names,
        cast(sessions.total_messages as {{ dbt.type_bigint() }}) as total_messages,
        sessions.started_at,
        sessions.done_at,
        sessions.started_date,
        sessions.started_hour,
        sessions.session_duration_s,
        sessions.first_response_at,
        sessions.waiting_time_s,
        sessions.last_agent_message_at,
        sessions.support_time_s,
        sessions.avg_response_time_s,
        sessions.is_completed,
        sessions.is_supported,
        sessions.is_assigned,
        sessions.is_proactive,
        sessions.rating,
        sessions.status,
        sessions.first_responder_user_id,
        cast(sessions.reply_count as {{ dbt.type_bigint() }}) as reply_count,
        business_times.schedule_id,
        business_times.started_in_business_hours,
        business_times.waiting_time_business_s,
        business_times.support_time_business_s,
        business_times.session_duration_business_s,
        business_times.avg_response_time_business_s
    from sessions
    left join contacts
        on sessions.contact_id = contacts.contact_id
    left join channels
        on sessions.channel_id = channels.channel_id
    left join users
        on sessions.assigned_user_id = users.user_id
    left join categories
        on sessions.category_id = categories.category_id
    left join tag_names
        on sessions.session_id = tag_names.session_id
    left join business_times
        on sessions.session_id = business_times.session_id

)

select * from final
