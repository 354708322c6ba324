{#- Median of days_to_decision over referrals decided in the period (calendar days): each referral's days are its
    measure. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

referrals as (

    select * from {{ ref('fct_referrals') }}

)

select
    {{ indicator_unit(
        'median_days_to_decision', 'referrals.referral_key', 'referrals.child_key', 'referrals.age_at_referral',
        numerator='null', measure='referrals.days_to_decision', provider_code='referrals.provider_code'
    ) }}
from referrals
inner join periods
    on referrals.decision_date between periods.period_start and periods.period_end
