{#- The latest state of each referral (see int_trust__children_latest for the rules). -#}
with versions as (

    select
        *,
        row_number() over (
            partition by provider_code, referral_id
            order by submission_period desc, submission_id desc, source_row_number desc
        ) as version_rank
    from {{ ref('stg_trust__referrals') }}

),

latest as (

    select * from versions where version_rank = 1

)

select
    provider_code,
    referral_id,
    child_ref,
    referral_date,
    referral_source,
    primary_need,
    decision_date,
    decision,
    allocated_date,
    team_code,
    closed_date,
    submission_period as last_submission_period
from latest
where record_status = 'active'
