{#- One row per child known to any Trust: a child's characteristics are their latest recorded values
    (spec 7.2.1), across Trusts when a child is known to more than one. -#}
with children as (

    select
        *,
        row_number() over (
            partition by child_key
            order by last_submission_period desc, provider_code
        ) as recency_rank
    from {{ ref('int_trust__children_keyed') }}

)

select
    child_key,
    link_method,
    birth_month,
    sex,
    religion,
    ethnicity,
    disability,
    first_language,
    lgd_code,
    trust_of_residence,
    deprivation_decile,
    cast(floor((deprivation_decile + 1) / 2) as integer) as deprivation_quintile
from children
where recency_rank = 1
