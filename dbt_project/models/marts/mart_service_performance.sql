{#- How services perform (spec 7.2, system performance), by providing Trust, organisation or project and for
    Northern Ireland, for every calendar quarter and the 12 months to its end. Each value keeps its numerator and
    denominator (the number of cases behind a median), so that disclosure control can judge it. The matrix is
    complete: every provider has a row for every indicator ref_indicators declares for its type, a count with
    nothing to count being 0. Definitions: spec 7.2.1. -#}
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
        and looked_after.period_end >= placements.start_date
        and (
            placements.end_date is null
            or placements.end_date
            >= cast({{ dbt.dateadd('day', 1, dbt.dateadd('month', -12, 'looked_after.period_end')) }} as date)
        )
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

    select * from snapshots_in_period
    where snapshot_date = last_snapshot_date

),

family_referred as (

    select periods.*, family.provider_code
    from {{ ref('fct_family_support_referrals') }} as family
    inner join periods
        on family.referral_date between periods.period_start and periods.period_end

),

family_ended as (

    select periods.*, family.provider_code, family.were_needs_met
    from {{ ref('fct_family_support_referrals') }} as family
    inner join periods
        on family.service_end_date between periods.period_start and periods.period_end

),

registered_under_4 as (

    select periods.*, registrations.provider_code, registrations.child_key
    from {{ ref('fct_sure_start_registrations') }} as registrations
    inner join periods
        on registrations.registration_date <= periods.period_end
        and (registrations.exit_date is null or registrations.exit_date > periods.period_end)
    inner join {{ ref('dim_children') }} as children
        on registrations.child_key = children.child_key
        and {{ age_in_years('children.birth_month', 'periods.period_end') }} < 4

),

reach as (

    select
        registered.period_type,
        registered.quarter_label,
        registered.period_start,
        registered.period_end,
        registered.provider_code,
        'sure_start_reach' as indicator,
        'percent' as unit,
        cast(count(distinct registered.child_key) as double) as numerator,
        max(catchments.population) as denominator
    from registered_under_4 as registered
    inner join {{ ref('int_catchment_population_0_3') }} as catchments
        on catchments.geographic_level = 'PROJECT'
        and registered.provider_code = catchments.area_code
        and catchments.breakdown = 'total'
        and registered.population_year = catchments.population_year
    group by
        registered.period_type, registered.quarter_label, registered.period_start, registered.period_end,
        registered.provider_code

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
            {% set group_extra = ', provider_code' if level == 'provider' else '' %}
            select
                period_type,
                quarter_label,
                period_start,
                period_end,
                {% if level == 'provider' %}provider_code,{% else %}'NI' as provider_code,{% endif %}
                '{{ indicator }}' as indicator,
                '{{ unit }}' as unit,
                cast({{ numerator }} as double) as numerator,
                cast({{ denominator }} as double) as denominator
            from {{ relation }}
            group by {{ 'period_type, quarter_label, period_start, period_end' ~ group_extra }}
            union all
        {% endfor %}
    {% endfor %}
    {#- Organisations' family support: provider level only (NI is in mart_indicators). #}
    select
        period_type, quarter_label, period_start, period_end, provider_code, 'family_support_referrals', 'count',
        cast(count(*) as double), cast(null as double)
    from family_referred
    group by period_type, quarter_label, period_start, period_end, provider_code

    union all

    select
        period_type, quarter_label, period_start, period_end, provider_code, 'family_support_needs_met', 'percent',
        cast(sum(case when were_needs_met then 1 else 0 end) as double), cast(count(*) as double)
    from family_ended
    group by period_type, quarter_label, period_start, period_end, provider_code

    union all

    select * from reach

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

catalogue as (

    select indicator, unit, geographic_levels, provider_type, source_feeds
    from {{ ref('ref_indicators') }}
    where mart = 'mart_service_performance'

),

not_received as (

    select * from {{ ref('int_indicators_not_received') }}

),

reporting_units as (

    select
        'NI' as provider_level, 'NI' as provider_code, 'Northern Ireland' as provider_name,
        cast(null as {{ dbt.type_string() }}) as provider_type
    union all
    select 'PROVIDER', provider_code, provider_name, provider_type from {{ ref('dim_providers') }}

),

matrix as (

    select
        periods.period_type,
        periods.quarter_label,
        periods.period_start,
        periods.period_end,
        reporting_units.provider_level,
        reporting_units.provider_code,
        reporting_units.provider_name,
        catalogue.provider_type,
        catalogue.indicator,
        catalogue.unit,
        catalogue.source_feeds
    from periods
    cross join catalogue
    inner join reporting_units
        on (reporting_units.provider_level = 'NI' and '|' || catalogue.geographic_levels || '|' like '%|NI|%')
        or (
            reporting_units.provider_level = 'PROVIDER'
            and catalogue.provider_type = reporting_units.provider_type
            and (
                '|' || catalogue.geographic_levels || '|' like '%|TRUST|%'
                or '|' || catalogue.geographic_levels || '|' like '%|PROVIDER|%'
            )
        )

)

select
    matrix.period_type,
    matrix.quarter_label,
    matrix.period_start,
    matrix.period_end,
    matrix.provider_level,
    matrix.provider_code,
    matrix.provider_name,
    matrix.provider_type,
    matrix.indicator,
    matrix.unit,
    case
        when not_received.indicator is not null then cast(null as double)
        when matrix.unit = 'count' then coalesce(computed.numerator, 0)
        else computed.numerator
    end as numerator,
    case
        when matrix.unit = 'count' or not_received.indicator is not null then cast(null as double)
        else coalesce(computed.denominator, 0)
    end as denominator,
    case
        when not_received.indicator is not null then cast(null as double)
        when matrix.unit = 'count' then coalesce(computed.value, 0)
        else computed.value
    end as value,
    case
        when not_received.indicator is not null then 'not_available'
        when matrix.unit = 'count' or computed.value is not null then 'available'
        -- workforce figures come from monthly snapshots: a period before the first has no data
        when matrix.source_feeds = 'workforce' and computed.provider_code is null then 'not_available'
        else 'not_applicable'
    end as availability
from matrix
left join computed
    on matrix.period_type = computed.period_type
    and matrix.quarter_label = computed.quarter_label
    and matrix.provider_code = computed.provider_code
    and matrix.indicator = computed.indicator
    and matrix.unit = computed.unit
left join not_received
    on matrix.indicator = not_received.indicator
