{#- Fails with every combination of the columns that occurs more than once: the grain
    of a model. Nulls compare equal (a grain may have a null part, e.g. automation in
    rpt_tag_stats.tagged_by_user_id). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
