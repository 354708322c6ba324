{#- A generic test: the columns together identify each row (no package downloads at run time). -#}
{% test unique_combination_of_columns(model, columns) %}

with grouped as (

    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}

)

select * from grouped where occurrences > 1

{% endtest %}
