{#- Each Trust child record with its regional child key (spec section 5): the HCN key; else the HCN key
    linked by exact normalised name, date of birth and postcode; else a key scoped to the Trust. -#}
with children as (

    select * from {{ ref('int_trust__children_latest') }}

),

links as (

    select * from {{ ref('int_identity__demographic_links') }}

)

select
    children.provider_code,
    children.child_ref,
    {{ child_key('children', 'links') }} as child_key,
    {{ link_method('children', 'links') }} as link_method,
    children.has_valid_hcn,
    children.birth_month,
    children.sex,
    children.religion,
    children.ethnicity,
    children.disability,
    children.first_language,
    children.is_interpreter_required,
    children.postcode_sector,
    children.postcode_district,
    children.lgd_code,
    children.trust_of_residence,
    children.deprivation_decile,
    children.last_submission_period
from children
left join links
    on children.demographic_key = links.demographic_key
