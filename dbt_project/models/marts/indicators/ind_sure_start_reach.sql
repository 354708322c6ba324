{#- Children under 4 registered with a Sure Start project and active at period end (children; aged at period
    end). The denominator, the catchments' population under 4, is the catalogue's population: the marts divide. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

registrations as (

    select * from {{ ref('fct_sure_start_registrations') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

active as (

    select distinct
        periods.*,
        registrations.provider_code,
        registrations.child_key,
        {{ age_in_years('children.birth_month', 'periods.period_end') }} as age
    from registrations
    inner join periods
        on {{ is_open_at_period_end('registrations.registration_date', 'registrations.exit_date') }}
    inner join children
        on registrations.child_key = children.child_key

)

select
    {{ indicator_unit(
        'sure_start_reach', 'active.child_key', 'active.child_key', 'active.age',
        provider_code='active.provider_code', periods='active'
    ) }}
from active
where active.age < 4
