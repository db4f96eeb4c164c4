{#- Every row's total_column equals the sum of part_columns, e.g. raw_rows =
    staged_rows + quarantined_rows + superseded_rows. Fails with the rows that do not add up. -#}
{% test columns_add_up(model, total_column, part_columns) %}

select *
from {{ model }}
where {{ total_column }} is null
    or {{ total_column }} <> {{ part_columns | join(' + ') }}

{% endtest %}
