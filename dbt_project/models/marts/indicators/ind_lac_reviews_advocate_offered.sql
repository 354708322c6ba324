{#- Per cent of looked-after reviews in the period at which the child was offered an advocate (events); a review
    with the offer not recorded counts as one without. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

reviews as (

    select * from {{ ref('fct_lac_reviews') }}

)

select
    {{ indicator_unit(
        'lac_reviews_advocate_offered', 'reviews.review_key', 'reviews.child_key', 'null',
        numerator='case when reviews.was_advocate_offered then 1 else 0 end', provider_code='reviews.provider_code'
    ) }}
from reviews
inner join periods
    on reviews.review_date between periods.period_start and periods.period_end
