{#- Children with a registration on or before period end and no deregistration on or before it, by category of
    abuse (a child has a row per category); each child once, aged at period end. -#}
with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

registrations as (

    select * from {{ ref('fct_cp_registrations') }}

),

abuse as (

    select code from {{ ref('ref_code_lists') }}
    where code_list = 'abuse'

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

on_register as (

    select distinct periods.*, registrations.provider_code, registrations.child_key, abuse.code as category
    from registrations
    inner join periods
        on registrations.registration_date <= periods.period_end
        and (registrations.deregistration_date is null or registrations.deregistration_date > periods.period_end)
    inner join abuse
        on '|' || registrations.categories || '|' like '%|' || abuse.code || '|%'

)

select
    {{ indicator_unit(
        'cp_register', 'on_register.child_key', 'on_register.child_key',
        age_in_years('children.birth_month', 'on_register.period_end'), breakdown="'category_of_abuse'",
        breakdown_value='on_register.category', provider_code='on_register.provider_code', periods='on_register'
    ) }}
from on_register
left join children
    on on_register.child_key = children.child_key
