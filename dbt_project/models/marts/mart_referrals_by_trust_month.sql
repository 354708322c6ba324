{#- Referrals received and decided by providing Trust and month, with the median days from referral to
    decision over the referrals decided in the month (spec 7.2.1, median_days_to_decision). -#}
with referrals as (

    select * from {{ ref('fct_referrals') }}

),

received as (

    select
        provider_code as trust_code,
        {{ month_start('referral_date') }} as month_start_date,
        count(*) as referrals_received
    from referrals
    group by provider_code, {{ month_start('referral_date') }}

),

decided as (

    select
        provider_code as trust_code,
        {{ month_start('decision_date') }} as month_start_date,
        count(*) as referrals_decided,
        {{ median('days_to_decision') }} as median_days_to_decision
    from referrals
    where decision_date is not null
    group by provider_code, {{ month_start('decision_date') }}

),

months as (

    select trust_code, month_start_date from received
    union
    select trust_code, month_start_date from decided

)

select
    months.trust_code,
    trusts.trust_name,
    months.month_start_date,
    coalesce(received.referrals_received, 0) as referrals_received,
    coalesce(decided.referrals_decided, 0) as referrals_decided,
    cast(decided.median_days_to_decision as double) as median_days_to_decision
from months
left join received
    on months.trust_code = received.trust_code
    and months.month_start_date = received.month_start_date
left join decided
    on months.trust_code = decided.trust_code
    and months.month_start_date = decided.month_start_date
left join {{ ref('dim_trusts') }} as trusts
    on months.trust_code = trusts.trust_code
