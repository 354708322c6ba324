{#- Children with a registration on or before period end and no deregistration on or before it, by category of
    abuse (a child has a row per category), by time on the register at period end and by legal status (of a care
    episode open at period end, NOT_LOOKED_AFTER where none is: the quarterly statistics' Table 4); each child
    once, aged at period end. -#}
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

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

open_registrations as (

    select
        periods.*,
        registrations.provider_code,
        registrations.child_key,
        registrations.registration_date,
        registrations.categories
    from registrations
    inner join periods
        on {{ is_open_at_period_end('registrations.registration_date', 'registrations.deregistration_date') }}

),

on_register as (

    select distinct
        open_registrations.period_type,
        open_registrations.quarter_label,
        open_registrations.period_start,
        open_registrations.period_end,
        open_registrations.population_year,
        open_registrations.provider_code,
        open_registrations.child_key,
        'category_of_abuse' as breakdown,
        abuse.code as breakdown_value
    from open_registrations
    inner join abuse
        on {{ lists_code('open_registrations.categories', 'abuse.code') }}

    union

    select
        period_type,
        quarter_label,
        period_start,
        period_end,
        population_year,
        provider_code,
        child_key,
        'time_on_register',
        {{ time_on_register('registration_date', 'period_end') }}
    from open_registrations

    union

    select
        open_registrations.period_type,
        open_registrations.quarter_label,
        open_registrations.period_start,
        open_registrations.period_end,
        open_registrations.population_year,
        open_registrations.provider_code,
        open_registrations.child_key,
        'looked_after_legal_status',
        coalesce(episodes.legal_status, 'NOT_LOOKED_AFTER')
    from open_registrations
    left join episodes
        on open_registrations.child_key = episodes.child_key
        and {{ is_open_at_period_end('episodes.start_date', 'episodes.end_date', 'open_registrations') }}

)

select
    {{ indicator_unit(
        'cp_register', 'on_register.child_key', 'on_register.child_key',
        age_in_years('children.birth_month', 'on_register.period_end'), breakdown='on_register.breakdown',
        breakdown_value='on_register.breakdown_value', provider_code='on_register.provider_code',
        periods='on_register'
    ) }}
from on_register
left join children
    on on_register.child_key = children.child_key
