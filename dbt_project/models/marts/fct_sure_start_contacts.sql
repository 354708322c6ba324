{#- One row per contact with a registered child and family. -#}
with contacts as (

    select * from {{ ref('int_sure_start__contacts_latest') }}

)

select
    provider_code || '-' || contact_id as contact_key,
    provider_code,
    contact_id,
    provider_code || '-' || registration_id as registration_key,
    contact_date,
    service,
    has_attended,
    last_submission_id
from contacts
