{#- Fails with every row where one of the columns is null, in one query for all of
    them (count columns are never null: CONTRACT.md 5). -#}
{% test no_nulls_in_columns(model, columns) %}

select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %}

{% endtest %}
