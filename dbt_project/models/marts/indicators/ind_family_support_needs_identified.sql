{#- The needs identified in referrals to the Family Support Hubs' organisations whose referral_date is in the
    period: each need of each referral is a unit (a referral with two needs counts twice), so the needs add up to
    the total and a referral's needs are not a breakdown that overlaps itself; aged at referral. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

family as (

    select * from {{ ref('fct_family_support_referrals') }}

),

needs as (

    select code from {{ ref('ref_code_lists') }}
    where code_list = 'fs_need'

)

select
    {{ indicator_unit(
        'family_support_needs_identified', "family.referral_key || '|' || needs.code", 'family.child_key',
        'family.age_at_referral', breakdown="'family_support_need'", breakdown_value='needs.code',
        provider_code='family.provider_code'
    ) }}
from family
inner join periods
    on family.referral_date between periods.period_start and periods.period_end
inner join needs
    on {{ lists_code('family.needs', 'needs.code') }}
