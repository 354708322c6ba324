{#- Each record with its regional child key (see int_trust__children_keyed for the rules). -#}
with records as (

    select * from {{ ref('int_sure_start__registrations_latest') }}

),

links as (

    select * from {{ ref('int_identity__demographic_links') }}

)

select
    records.provider_code,
    records.registration_id,
    records.project_code,
    records.registration_date,
    records.exit_date,
    records.exit_reason,
    {{ child_key('records', 'links') }} as child_key,
    {{ link_method('records', 'links') }} as link_method,
    records.has_valid_hcn,
    records.birth_month,
    records.sex,
    records.postcode_sector,
    records.postcode_district,
    records.lgd_code,
    records.trust_of_residence,
    records.deprivation_decile,
    records.last_submission_period
from records
left join links
    on records.demographic_key = links.demographic_key
