{#- Children with a referral on or before period end, not closed by it, whose decision is not NFA or SIGNPOST by
    then (an undecided referral counts); each child once, aged at period end. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

referrals as (

    select * from {{ ref('fct_referrals') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

in_need as (

    select distinct periods.*, referrals.provider_code, referrals.child_key
    from referrals
    inner join periods
        on {{ is_in_need_at_period_end('referrals', 'periods') }}

)

select
    {{ indicator_unit(
        'children_in_need', 'in_need.child_key', 'in_need.child_key',
        age_in_years('children.birth_month', 'in_need.period_end'), provider_code='in_need.provider_code',
        periods='in_need'
    ) }}
from in_need
left join children
    on in_need.child_key = children.child_key
