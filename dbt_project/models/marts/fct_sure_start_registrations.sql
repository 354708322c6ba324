{#- One row per Sure Start registration, in its latest state. -#}
with registrations as (

    select * from {{ ref('int_sure_start__registrations_keyed') }}

)

select
    registrations.provider_code || '-' || registrations.registration_id as registration_key,
    registrations.provider_code,
    registrations.registration_id,
    registrations.child_key,
    registrations.registration_date,
    registrations.exit_date,
    registrations.exit_reason,
    registrations.postcode_sector,
    {{ age_at_event('registration_ages', 'registrations.birth_month', 'registrations.registration_date') }}
        as age_at_registration,
    registrations.last_submission_id
from registrations
{{ event_age_join(
    'registration_ages', 'registrations.provider_code', 'registrations.registration_id',
    'registrations.registration_date'
) }}
