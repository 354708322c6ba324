{#- Referrals to the Family Support Hubs' organisations whose referral_date is in the period (events), by
    referral source; aged at referral. -#}
with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

family as (

    select * from {{ ref('fct_family_support_referrals') }}

)

select
    {{ indicator_unit(
        'family_support_referrals', 'family.referral_key', 'family.child_key', 'family.age_at_referral',
        breakdown="'referral_source'", breakdown_value='family.referral_source', provider_code='family.provider_code'
    ) }}
from family
inner join periods
    on family.referral_date between periods.period_start and periods.period_end
