{#- Per cent of registrations in the period for a child deregistered within the 24 months before the
    registration date, by category of abuse (a registration has a row per category); aged at registration. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

registrations as (

    select * from {{ ref('fct_cp_registrations') }}

),

abuse as (

    select code from {{ ref('ref_code_lists') }}
    where code_list = 'abuse'

),

judged as (

    select
        registrations.registration_key,
        registrations.provider_code,
        registrations.child_key,
        registrations.registration_date,
        registrations.age_at_registration,
        registrations.categories,
        max(case when earlier.registration_key is not null then 1 else 0 end) as is_reregistration
    from registrations
    left join registrations as earlier
        on registrations.child_key = earlier.child_key
        and registrations.registration_key <> earlier.registration_key
        and registrations.registration_date > earlier.deregistration_date
        and earlier.deregistration_date
        >= cast({{ dbt.dateadd('month', -24, 'registrations.registration_date') }} as date)
    group by
        registrations.registration_key, registrations.provider_code, registrations.child_key,
        registrations.registration_date, registrations.age_at_registration, registrations.categories

)

select
    {{ indicator_unit(
        'cp_reregistrations_24m', 'judged.registration_key', 'judged.child_key', 'judged.age_at_registration',
        numerator='judged.is_reregistration', breakdown="'category_of_abuse'", breakdown_value='abuse.code',
        provider_code='judged.provider_code'
    ) }}
from judged
inner join periods
    on judged.registration_date between periods.period_start and periods.period_end
inner join abuse
    on {{ lists_code('judged.categories', 'abuse.code') }}
