{#- Per cent of care leavers with a contact in the period (around their 19th birthday) with a personal adviser
    (children; aged at the contact). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

leavers as (

    select * from {{ ref('fct_care_leaver_contacts') }}

)

select
    {{ indicator_unit(
        'care_leavers_personal_adviser', 'leavers.child_key', 'leavers.child_key', 'leavers.age_at_contact',
        numerator="case when leavers.has_personal_adviser then 1 else 0 end", provider_code='leavers.provider_code'
    ) }}
from leavers
inner join periods
    on leavers.contact_date between periods.period_start and periods.period_end
