{#- One row per contact with a care leaver around their 19th birthday, in its latest state. -#}
with contacts as (

    select * from {{ ref('int_trust__care_leavers_latest') }}

),

children as (

    select * from {{ ref('int_trust__children_keyed') }}

)

select
    contacts.provider_code || '-' || children.child_key || '-' || cast(contacts.contact_date as {{ dbt.type_string() }})
        as contact_key,
    contacts.provider_code,
    children.child_key,
    contacts.contact_date,
    contacts.in_touch,
    contacts.activity,
    contacts.in_touch = 'YES' and contacts.activity in ('EDUCATION', 'TRAINING', 'EMPLOYMENT') as is_in_eet,
    contacts.accommodation_suitable,
    contacts.has_pathway_plan,
    contacts.has_personal_adviser,
    {{ age_at_event('contact_ages', 'children.birth_month', 'contacts.contact_date') }} as age_at_contact,
    contacts.last_submission_id
from contacts
left join children
    on contacts.provider_code = children.provider_code
    and contacts.child_ref = children.child_ref
{{ event_age_join('contact_ages', 'contacts.provider_code', 'contacts.child_ref', 'contacts.contact_date') }}
