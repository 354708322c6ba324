{#- Referrals whose referral_date is in the period (events), by referral source; aged at referral. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

referrals as (

    select * from {{ ref('fct_referrals') }}

)

select
    {{ indicator_unit(
        'referrals', 'referrals.referral_key', 'referrals.child_key', 'referrals.age_at_referral',
        breakdown="'referral_source'", breakdown_value='referrals.referral_source',
        provider_code='referrals.provider_code'
    ) }}
from referrals
inner join periods
    on referrals.referral_date between periods.period_start and periods.period_end
