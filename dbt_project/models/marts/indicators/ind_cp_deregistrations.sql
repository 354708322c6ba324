{#- Deregistrations from the child protection register whose deregistration_date is in the period (events), by
    reason and by time on the register; aged at deregistration. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

registrations as (

    select * from {{ ref('fct_cp_registrations') }}

),

deregistered as (

    select
        periods.*,
        registrations.registration_key,
        registrations.provider_code,
        registrations.child_key,
        registrations.age_at_deregistration,
        'deregistration_reason' as breakdown,
        coalesce(registrations.deregistration_reason, 'unknown') as breakdown_value
    from registrations
    inner join periods
        on registrations.deregistration_date between periods.period_start and periods.period_end

    union all

    select
        periods.*,
        registrations.registration_key,
        registrations.provider_code,
        registrations.child_key,
        registrations.age_at_deregistration,
        'time_on_register',
        {{ time_on_register('registrations.registration_date', 'registrations.deregistration_date') }}
    from registrations
    inner join periods
        on registrations.deregistration_date between periods.period_start and periods.period_end

)

select
    {{ indicator_unit(
        'cp_deregistrations', 'deregistered.registration_key', 'deregistered.child_key',
        'deregistered.age_at_deregistration',
        breakdown='deregistered.breakdown', breakdown_value='deregistered.breakdown_value',
        provider_code='deregistered.provider_code', periods='deregistered'
    ) }}
from deregistered
