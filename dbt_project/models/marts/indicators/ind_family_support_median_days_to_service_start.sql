{#- The Family Support Hubs' waiting time: median of the calendar days from referral to the start of the service,
    over services started in the period (each referral's days are its measure); aged at referral. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

family as (

    select * from {{ ref('fct_family_support_referrals') }}

)

select
    {{ indicator_unit(
        'family_support_median_days_to_service_start', 'family.referral_key', 'family.child_key',
        'family.age_at_referral', numerator='null', measure='family.days_to_service_start',
        provider_code='family.provider_code'
    ) }}
from family
inner join periods
    on family.service_start_date between periods.period_start and periods.period_end
