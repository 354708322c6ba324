{#- One row per Sure Start registration, in its latest state. -#}
with registrations as (

    select * from {{ ref('int_sure_start__registrations_keyed') }}

)

select
    provider_code || '-' || registration_id as registration_key,
    provider_code,
    registration_id,
    child_key,
    registration_date,
    exit_date,
    exit_reason,
    postcode_sector,
    {{ age_in_years('birth_month', 'registration_date') }} as age_at_registration,
    last_submission_id
from registrations
