{#- Per cent of care leavers with a contact in the period whose activity is education, training or employment
    (children; aged at the contact). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

leavers as (

    select * from {{ ref('fct_care_leaver_contacts') }}

)

select
    {{ indicator_unit(
        'care_leavers_eet', 'leavers.child_key', 'leavers.child_key', 'leavers.age_at_contact',
        numerator='case when leavers.is_in_eet then 1 else 0 end', provider_code='leavers.provider_code'
    ) }}
from leavers
inner join periods
    on leavers.contact_date between periods.period_start and periods.period_end
