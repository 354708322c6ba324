{#- Of the children awaiting allocation at period end, those with a waiting referral made more than 30 days
    before period end; each child once (in the numerator if any of their waiting referrals is that old). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

referrals as (

    select * from {{ ref('fct_referrals') }}

),

waiting as (

    select
        periods.period_type,
        periods.quarter_label,
        periods.period_start,
        periods.period_end,
        periods.population_year,
        referrals.provider_code,
        referrals.child_key,
        max(
            case
                when referrals.referral_date < cast({{ dbt.dateadd('day', -30, 'periods.period_end') }} as date)
                    then 1
                else 0
            end
        ) as is_over_30_days
    from referrals
    inner join periods
        on {{ is_awaiting_allocation('referrals', 'periods') }}
    group by
        periods.period_type, periods.quarter_label, periods.period_start, periods.period_end,
        periods.population_year, referrals.provider_code, referrals.child_key

)

select
    {{ indicator_unit(
        'awaiting_allocation_over_30_days', 'waiting.child_key', 'waiting.child_key', 'null',
        numerator='waiting.is_over_30_days', provider_code='waiting.provider_code', periods='waiting'
    ) }}
from waiting
