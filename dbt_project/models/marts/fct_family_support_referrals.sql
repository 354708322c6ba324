{#- One row per referral of a child to family support through a hub, in its latest state. -#}
with referrals as (

    select * from {{ ref('int_vcs__family_support_keyed') }}

)

select
    provider_code || '-' || referral_ref as referral_key,
    provider_code,
    referral_ref,
    hub_code,
    child_key,
    referral_date,
    referral_source,
    needs,
    service_start_date,
    service_end_date,
    outcome,
    outcome = 'NEEDS_MET' as were_needs_met,
    was_advocacy_provided,
    {{ age_in_years('birth_month', 'referral_date') }} as age_at_referral,
    {{ age_in_years('birth_month', 'service_end_date') }} as age_at_service_end,
    cast({{ dbt.datediff('referral_date', 'service_start_date', 'day') }} as integer) as days_to_service_start,
    last_submission_id
from referrals
