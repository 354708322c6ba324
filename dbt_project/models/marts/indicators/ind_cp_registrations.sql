{#- Registrations whose registration_date is in the period (events), by category of abuse (a registration has a
    row per category); aged at registration. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

registrations as (

    select * from {{ ref('fct_cp_registrations') }}

),

abuse as (

    select code from {{ ref('ref_code_lists') }}
    where code_list = 'abuse'

)

select
    {{ indicator_unit(
        'cp_registrations', 'registrations.registration_key', 'registrations.child_key',
        'registrations.age_at_registration', breakdown="'category_of_abuse'", breakdown_value='abuse.code',
        provider_code='registrations.provider_code'
    ) }}
from registrations
inner join periods
    on registrations.registration_date between periods.period_start and periods.period_end
inner join abuse
    on {{ lists_code('registrations.categories', 'abuse.code') }}
