{#- One row per child protection registration, in its latest state. -#}
with registrations as (

    select * from {{ ref('int_trust__child_protection_latest') }}

),

children as (

    select * from {{ ref('int_trust__children_keyed') }}

)

select
    registrations.provider_code || '-' || registrations.registration_id as registration_key,
    registrations.provider_code,
    registrations.registration_id,
    children.child_key,
    registrations.registration_date,
    registrations.deregistration_date,
    registrations.deregistration_reason,
    registrations.category as categories,
    {{ age_at_event('registration_ages', 'children.birth_month', 'registrations.registration_date') }}
        as age_at_registration,
    {{ age_at_event('deregistration_ages', 'children.birth_month', 'registrations.deregistration_date') }}
        as age_at_deregistration,
    registrations.last_submission_id
from registrations
left join children
    on registrations.provider_code = children.provider_code
    and registrations.child_ref = children.child_ref
{{ event_age_join(
    'registration_ages', 'registrations.provider_code', 'registrations.child_ref', 'registrations.registration_date'
) }}
{{ event_age_join(
    'deregistration_ages', 'registrations.provider_code', 'registrations.child_ref',
    'registrations.deregistration_date'
) }}
