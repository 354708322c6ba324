{#- Per cent of family support services ended in the period in which the child or family had advocacy (events);
    a service with advocacy not recorded counts as one without; aged at the service's end, like needs met. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

family as (

    select * from {{ ref('fct_family_support_referrals') }}

)

select
    {{ indicator_unit(
        'family_support_advocacy', 'family.referral_key', 'family.child_key', 'family.age_at_service_end',
        numerator='case when family.was_advocacy_provided then 1 else 0 end',
        provider_code='family.provider_code'
    ) }}
from family
inner join periods
    on family.service_end_date between periods.period_start and periods.period_end
