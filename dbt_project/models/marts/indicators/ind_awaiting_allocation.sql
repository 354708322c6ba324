{#- Children with a referral on or before period end, decided on or before it as FAMILY_SUPPORT,
    UNOCINI_ASSESSMENT or CHILD_PROTECTION, not allocated and not closed by period end; each child once. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

referrals as (

    select * from {{ ref('fct_referrals') }}

),

waiting as (

    select distinct periods.*, referrals.provider_code, referrals.child_key
    from referrals
    inner join periods
        on {{ is_awaiting_allocation('referrals', 'periods') }}

)

select
    {{ indicator_unit(
        'awaiting_allocation', 'waiting.child_key', 'waiting.child_key', 'null',
        provider_code='waiting.provider_code', periods='waiting'
    ) }}
from waiting
