{#- The business clock's lookups (CONTRACT.md 7.2), for a relation of instants with
    columns `key_columns`, `schedule_id` and `instant` (UTC): each instant's open seconds
    of its schedule before it (`open_s_before`; the business seconds between two instants
    of one schedule are the difference of theirs, signed as 7.2 wants) and whether it
    falls in an open interval (`is_open`). Both null without a schedule or an instant. Two
    equi-join lookups per instant: its UTC date's open seconds before it, and that date's
    few pieces of open time. -#}
{% macro open_seconds_before(instants, key_columns) -%}
    select
        {%- for column in key_columns %}
        instants.{{ column }},
        {%- endfor %}
        case
            when instants.schedule_id is not null and instants.instant is not null
                then max(days.open_before_day_s) + coalesce(sum(
                    case
                        when pieces.piece_start < instants.instant
                            then {{ omnireport.seconds_between(
                                'pieces.piece_start',
                                'case when instants.instant < pieces.piece_end then instants.instant else pieces.piece_end end'
                            ) }}
                    end
                ), 0)
        end as open_s_before,
        case
            when instants.schedule_id is not null and instants.instant is not null
                then coalesce(max(
                    case when pieces.piece_start <= instants.instant and instants.instant < pieces.piece_end then 1 else 0 end
                ), 0) = 1
        end as is_open
    from {{ instants }} as instants
    left join {{ ref('int_business_open_days') }} as days
        on
            instants.schedule_id = days.schedule_id
            and cast(instants.instant as date) = days.utc_date
    left join {{ ref('int_business_open_pieces') }} as pieces
        on
            instants.schedule_id = pieces.schedule_id
            and cast(instants.instant as date) = pieces.utc_date
    group by
        {%- for column in key_columns %}
        instants.{{ column }},
        {%- endfor %}
        instants.schedule_id,
        instants.instant
{%- endmacro %}
