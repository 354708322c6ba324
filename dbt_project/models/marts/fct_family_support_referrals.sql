{#- One row per referral of a child to family support through a hub, in its latest state. -#}
with referrals as (

    select * from {{ ref('int_vcs__family_support_keyed') }}

)

select
    referrals.provider_code || '-' || referrals.referral_ref as referral_key,
    referrals.provider_code,
    referrals.referral_ref,
    referrals.hub_code,
    referrals.child_key,
    referrals.referral_date,
    referrals.referral_source,
    referrals.needs,
    referrals.service_start_date,
    referrals.service_end_date,
    referrals.outcome,
    referrals.outcome = 'NEEDS_MET' as were_needs_met,
    referrals.was_advocacy_provided,
    {{ age_at_event('referral_ages', 'referrals.birth_month', 'referrals.referral_date') }} as age_at_referral,
    {{ age_at_event('service_end_ages', 'referrals.birth_month', 'referrals.service_end_date') }}
        as age_at_service_end,
    cast({{ dbt.datediff('referrals.referral_date', 'referrals.service_start_date', 'day') }} as integer)
        as days_to_service_start,
    referrals.last_submission_id
from referrals
{{ event_age_join('referral_ages', 'referrals.provider_code', 'referrals.referral_ref', 'referrals.referral_date') }}
{{ event_age_join(
    'service_end_ages', 'referrals.provider_code', 'referrals.referral_ref', 'referrals.service_end_date'
) }}
