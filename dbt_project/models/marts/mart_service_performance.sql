{#- How services perform (spec 7.2, system performance), by providing Trust and for Northern Ireland, for every
    calendar quarter and the 12 months to its end. Each value keeps its numerator and denominator (the number of
    cases behind a median), so that disclosure control can judge it. Definitions: spec 7.2.1. -#}
with periods as (

    select * from {{ ref('int_reporting_periods') }}

),

referrals as (

    select * from {{ ref('fct_referrals') }}

),

assessments as (

    select * from {{ ref('fct_assessments') }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

placements as (

    select * from {{ ref('fct_placements') }}

),

reviews as (

    select * from {{ ref('fct_lac_reviews') }}

),

snapshots as (

    select * from {{ ref('fct_workforce_snapshots') }}

),

decided as (

    select periods.*, referrals.provider_code, referrals.days_to_decision as days
    from referrals
    inner join periods
        on referrals.decision_date between periods.period_start and periods.period_end

),

allocated as (

    select periods.*, referrals.provider_code, referrals.days_to_allocation as days
    from referrals
    inner join periods
        on referrals.allocated_date between periods.period_start and periods.period_end

),

medians as (

    select
        period_type, quarter_label, period_start, period_end, provider_code, 'median_days_to_decision' as indicator,
        'days' as unit, cast(null as double) as numerator, cast(count(*) as double) as denominator,
        cast({{ median('days') }} as double) as value
    from decided
    group by period_type, quarter_label, period_start, period_end, provider_code

    union all

    select
        period_type, quarter_label, period_start, period_end, 'NI', 'median_days_to_decision', 'days',
        null, cast(count(*) as double), cast({{ median('days') }} as double)
    from decided
    group by period_type, quarter_label, period_start, period_end

    union all

    select
        period_type, quarter_label, period_start, period_end, provider_code, 'median_days_to_allocation', 'days',
        null, cast(count(*) as double), cast({{ median('days') }} as double)
    from allocated
    group by period_type, quarter_label, period_start, period_end, provider_code

    union all

    select
        period_type, quarter_label, period_start, period_end, 'NI', 'median_days_to_allocation', 'days',
        null, cast(count(*) as double), cast({{ median('days') }} as double)
    from allocated
    group by period_type, quarter_label, period_start, period_end

),

waiting as (

    select
        periods.*,
        referrals.provider_code,
        referrals.child_key,
        referrals.referral_date < cast({{ dbt.dateadd('day', -30, 'periods.period_end') }} as date) as is_over_30_days
    from referrals
    inner join periods
        on referrals.referral_date <= periods.period_end
        and referrals.decision_date <= periods.period_end
        and referrals.decision in ('FAMILY_SUPPORT', 'UNOCINI_ASSESSMENT', 'CHILD_PROTECTION')
        and (referrals.allocated_date is null or referrals.allocated_date > periods.period_end)
        and (referrals.closed_date is null or referrals.closed_date > periods.period_end)

),

completed as (

    select periods.*, assessments.*
    from assessments
    inner join periods
        on assessments.completed_date between periods.period_start and periods.period_end

),

looked_after as (

    select distinct periods.*, episodes.provider_code, episodes.child_key
    from episodes
    inner join periods
        on episodes.start_date <= periods.period_end
        and (episodes.end_date is null or episodes.end_date > periods.period_end)

),

placements_in_year as (

    select
        looked_after.period_type,
        looked_after.quarter_label,
        looked_after.period_start,
        looked_after.period_end,
        looked_after.provider_code,
        looked_after.child_key,
        count(distinct placements.placement_key) as placements
    from looked_after
    left join placements
        on looked_after.child_key = placements.child_key
        and looked_after.provider_code = placements.provider_code
        and placements.start_date <= looked_after.period_end
        and (placements.end_date is null
             or placements.end_date >= cast({{ dbt.dateadd('day', 1, dbt.dateadd('month', -12, 'looked_after.period_end')) }} as date))
    group by
        looked_after.period_type, looked_after.quarter_label, looked_after.period_start, looked_after.period_end,
        looked_after.provider_code, looked_after.child_key

),

reviews_in_period as (

    select periods.*, reviews.provider_code, reviews.did_child_take_part
    from reviews
    inner join periods
        on reviews.review_date between periods.period_start and periods.period_end
    where not reviews.is_too_young_to_take_part

),

open_placements as (

    select periods.*, placements.provider_code, placements.provider_sector, placements.weekly_cost_gbp
    from placements
    inner join periods
        on placements.start_date <= periods.period_end
        and (placements.end_date is null or placements.end_date > periods.period_end)

),

snapshots_in_period as (

    select
        periods.period_type,
        periods.quarter_label,
        periods.period_start,
        periods.period_end,
        snapshots.provider_code,
        snapshots.snapshot_date,
        snapshots.funded_fte,
        snapshots.staff_in_post_fte,
        snapshots.agency_fte,
        snapshots.vacant_fte,
        snapshots.open_cases,
        max(snapshots.snapshot_date) over (
            partition by periods.period_type, periods.quarter_label, snapshots.provider_code
        ) as last_snapshot_date
    from snapshots
    inner join periods
        on snapshots.snapshot_date between periods.period_start and periods.period_end

),

last_snapshots as (

    select * from snapshots_in_period where snapshot_date = last_snapshot_date

),

{#- (indicator, relation, numerator, denominator, unit): shares, rates and counts, by provider and for NI. -#}
{% set measures = [
    ('awaiting_allocation', 'waiting', 'count(distinct child_key)', 'null', 'count'),
    ('awaiting_allocation_over_30_days', 'waiting', 'count(distinct case when is_over_30_days then child_key end)', 'null', 'count'),
    ('assessments_within_10_working_days', 'completed', 'sum(case when is_within_10_working_days then 1 else 0 end)', 'count(*)', 'percent'),
    ('assessments_child_seen', 'completed', 'sum(case when was_child_seen then 1 else 0 end)', 'count(*)', 'percent'),
    ('assessments_child_views_recorded', 'completed', 'sum(case when has_child_views_recorded then 1 else 0 end)', 'count(*)', 'percent'),
    ('lac_three_plus_placements', 'placements_in_year', 'sum(case when placements >= 3 then 1 else 0 end)', 'count(*)', 'percent'),
    ('lac_reviews_participation', 'reviews_in_period', 'sum(case when did_child_take_part then 1 else 0 end)', 'count(*)', 'percent'),
    ('placements_private_sector', 'open_placements', "sum(case when provider_sector = 'PRIVATE' then 1 else 0 end)", 'count(*)', 'percent'),
    ('mean_weekly_cost_private_placements', 'open_placements', "sum(case when provider_sector = 'PRIVATE' then weekly_cost_gbp end)", "sum(case when provider_sector = 'PRIVATE' then 1 else 0 end)", 'gbp'),
    ('mean_weekly_cost_other_placements', 'open_placements', "sum(case when provider_sector <> 'PRIVATE' then weekly_cost_gbp end)", "sum(case when provider_sector <> 'PRIVATE' then 1 else 0 end)", 'gbp'),
    ('vacancy_rate', 'last_snapshots', 'sum(vacant_fte)', 'sum(funded_fte)', 'percent'),
    ('agency_share', 'last_snapshots', 'sum(agency_fte)', 'sum(staff_in_post_fte)', 'percent'),
    ('cases_per_fte', 'last_snapshots', 'sum(open_cases)', 'sum(staff_in_post_fte)', 'ratio'),
] %}
shares as (

    {% for indicator, relation, numerator, denominator, unit in measures %}
    {% for level in ['provider', 'ni'] %}
    select
        period_type,
        quarter_label,
        period_start,
        period_end,
        {{ "provider_code" if level == 'provider' else "'NI'" }} as provider_code,
        '{{ indicator }}' as indicator,
        '{{ unit }}' as unit,
        cast({{ numerator }} as double) as numerator,
        cast({{ denominator }} as double) as denominator
    from {{ relation }}
    group by period_type, quarter_label, period_start, period_end{{ ", provider_code" if level == 'provider' else "" }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

computed as (

    select
        period_type, quarter_label, period_start, period_end, provider_code, indicator, unit, numerator, denominator,
        case
            when unit = 'count' then numerator
            when denominator is null or denominator = 0 then null
            when unit = 'percent' then 100 * numerator / denominator
            else numerator / denominator
        end as value
    from shares

    union all

    select * from medians

),

providers as (

    select provider_code, provider_name from {{ ref('dim_providers') }}

)

select
    computed.period_type,
    computed.quarter_label,
    computed.period_start,
    computed.period_end,
    case when computed.provider_code = 'NI' then 'NI' else 'PROVIDER' end as provider_level,
    computed.provider_code,
    coalesce(providers.provider_name, 'Northern Ireland') as provider_name,
    computed.indicator,
    computed.unit,
    computed.numerator,
    computed.denominator,
    computed.value
from computed
left join providers
    on computed.provider_code = providers.provider_code
