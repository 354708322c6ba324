{#- One row per statutory looked-after review, in its latest state. -#}
with reviews as (

    select * from {{ ref('int_trust__lac_reviews_latest') }}

),

children as (

    select * from {{ ref('int_trust__children_keyed') }}

)

select
    reviews.provider_code || '-' || reviews.review_id as review_key,
    reviews.provider_code,
    reviews.review_id,
    reviews.provider_code || '-' || reviews.episode_id as episode_key,
    children.child_key,
    reviews.review_date,
    reviews.child_participation,
    reviews.child_participation in ('ATTENDED_SPOKE', 'ATTENDED_ADVOCATE', 'VIEWS_CONVEYED') as did_child_take_part,
    reviews.child_participation = 'TOO_YOUNG' as is_too_young_to_take_part,
    reviews.was_advocate_offered,
    reviews.last_submission_id
from reviews
left join children
    on reviews.provider_code = children.provider_code
    and reviews.child_ref = children.child_ref
