{#- Per cent of looked-after reviews in the period where the child attended and spoke, attended with an advocate
    or had their views conveyed (events); reviews of a child too young to take part are left out of both. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

reviews as (

    select * from {{ ref('fct_lac_reviews') }}

)

select
    {{ indicator_unit(
        'lac_reviews_participation', 'reviews.review_key', 'reviews.child_key', 'null',
        numerator='case when reviews.did_child_take_part then 1 else 0 end', provider_code='reviews.provider_code'
    ) }}
from reviews
inner join periods
    on reviews.review_date between periods.period_start and periods.period_end
where not reviews.is_too_young_to_take_part
