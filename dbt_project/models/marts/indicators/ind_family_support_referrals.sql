{#- Referrals to the Family Support Hubs' organisations whose referral_date is in the period (events), by referral
    source and by the Family Support Hubs' own age groups (0 to 4, 5 to 10, 11 to 15, 16 and over); aged at
    referral. Their needs are an indicator of their own (family_support_needs_identified). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

family as (

    select * from {{ ref('fct_family_support_referrals') }}

),

referred as (

    select
        family.*,
        periods.period_type,
        periods.quarter_label,
        periods.period_start,
        periods.period_end,
        periods.population_year
    from family
    inner join periods
        on family.referral_date between periods.period_start and periods.period_end

),

by_breakdown as (

    select referred.*, 'referral_source' as breakdown, referred.referral_source as breakdown_value
    from referred

    union all

    select referred.*, 'family_support_age_group', {{ family_support_age_group('referred.age_at_referral') }}
    from referred

)

select
    {{ indicator_unit(
        'family_support_referrals', 'by_breakdown.referral_key', 'by_breakdown.child_key',
        'by_breakdown.age_at_referral', breakdown='by_breakdown.breakdown',
        breakdown_value='by_breakdown.breakdown_value', provider_code='by_breakdown.provider_code',
        periods='by_breakdown'
    ) }}
from by_breakdown
