{#- One row per referral, in its latest state, with the child's key and characteristics at referral. -#}
with referrals as (

    select * from {{ ref('int_trust__referrals_latest') }}

),

children as (

    select * from {{ ref('int_trust__children_keyed') }}

),

joined as (

    select
        referrals.provider_code,
        referrals.referral_id,
        children.child_key,
        referrals.referral_date,
        referrals.decision_date,
        referrals.allocated_date,
        referrals.closed_date,
        referrals.referral_source,
        referrals.primary_need,
        referrals.decision,
        referrals.team_code,
        referrals.last_submission_id,
        children.lgd_code,
        children.trust_of_residence,
        children.deprivation_decile,
        {{ age_at_event('referral_ages', 'children.birth_month', 'referrals.referral_date') }} as age_at_referral,
        cast({{ dbt.datediff('referrals.referral_date', 'referrals.decision_date', 'day') }} as integer)
            as days_to_decision,
        cast({{ dbt.datediff('referrals.referral_date', 'referrals.allocated_date', 'day') }} as integer)
            as days_to_allocation
    from referrals
    left join children
        on referrals.provider_code = children.provider_code
        and referrals.child_ref = children.child_ref
    {{ event_age_join('referral_ages', 'referrals.provider_code', 'referrals.child_ref', 'referrals.referral_date') }}

)

select
    provider_code || '-' || referral_id as referral_key,
    *
from joined
