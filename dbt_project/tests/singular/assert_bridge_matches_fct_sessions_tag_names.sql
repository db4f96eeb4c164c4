-- Every session with a named current tag in bridge_session_tags has tag_names in
-- fct_sessions, and no session without one has tag_names (CONTRACT.md 5, 6.22).

with

tagged as (

    select distinct session_id
    from {{ ref('bridge_session_tags') }}
    where tag_name is not null

),

sessions as (

    select
        session_id,
        tag_names
    from {{ ref('fct_sessions') }}

)

select
    sessions.session_id,
    sessions.tag_names,
    tagged.session_id as tagged_session_id
from sessions
left join tagged
    on sessions.session_id = tagged.session_id
where (tagged.session_id is null) <> (sessions.tag_names is null)
