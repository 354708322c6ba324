{#- Per cent of family support services ended in the period with outcome NEEDS_MET (events), by referral
    source. The event is the service's end, so the child is aged then (as discharges are aged at the episode's
    end). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

family as (

    select * from {{ ref('fct_family_support_referrals') }}

)

select
    {{ indicator_unit(
        'family_support_needs_met', 'family.referral_key', 'family.child_key', 'family.age_at_service_end',
        numerator='case when family.were_needs_met then 1 else 0 end', breakdown="'referral_source'",
        breakdown_value='family.referral_source', provider_code='family.provider_code'
    ) }}
from family
inner join periods
    on family.service_end_date between periods.period_start and periods.period_end
