{#- What each count indicator of spec 7.2.1 counts, period by period: one row per event or child counted
    (with an indicator-specific breakdown where one applies: a unit may have several, e.g. two categories of
    abuse), and the age that goes with it (at the event; at the period end for children counted at period
    end). Everything is judged from event dates, so any past period can be recomputed. -#}
with periods as (

    select * from {{ ref('int_reporting_periods') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

abuse as (

    select code from {{ ref('ref_code_lists') }} where code_list = 'abuse'

),

referrals as (

    select * from {{ ref('fct_referrals') }}

),

registrations as (

    select * from {{ ref('fct_cp_registrations') }}

),

registration_categories as (

    select registrations.*, abuse.code as category
    from registrations
    inner join abuse
        on '|' || registrations.categories || '|' like '%|' || abuse.code || '|%'

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

placements as (

    select * from {{ ref('fct_placements') }}

),

events as (

    select
        'referrals' as indicator, 'events' as counting, periods.period_type, periods.quarter_label,
        periods.period_start, periods.period_end, periods.population_year,
        referrals.referral_key as unit_key, referrals.child_key, referrals.age_at_referral as age,
        'referral_source' as extra_breakdown, referrals.referral_source as extra_value
    from referrals
    inner join periods
        on referrals.referral_date between periods.period_start and periods.period_end

    union all

    select
        'cp_registrations', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, registration_categories.registration_key,
        registration_categories.child_key, registration_categories.age_at_registration,
        'category_of_abuse', registration_categories.category
    from registration_categories
    inner join periods
        on registration_categories.registration_date between periods.period_start and periods.period_end

    union all

    select
        'lac_admissions', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, episodes.episode_key, episodes.child_key,
        episodes.age_at_start, 'legal_status', episodes.legal_status
    from episodes
    inner join periods
        on episodes.start_date between periods.period_start and periods.period_end

    union all

    select
        'lac_discharges', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, episodes.episode_key, episodes.child_key,
        {{ age_in_years('children.birth_month', 'episodes.end_date') }}, 'legal_status', episodes.legal_status
    from episodes
    inner join periods
        on episodes.end_date between periods.period_start and periods.period_end
    left join children
        on episodes.child_key = children.child_key

),

at_period_end as (

    select
        'children_in_need' as indicator, periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, referrals.child_key,
        cast(null as {{ dbt.type_string() }}) as extra_breakdown, cast(null as {{ dbt.type_string() }}) as extra_value
    from referrals
    inner join periods
        on referrals.referral_date <= periods.period_end
        and (referrals.closed_date is null or referrals.closed_date > periods.period_end)
        and (referrals.decision_date is null or referrals.decision_date > periods.period_end
             or referrals.decision not in ('NFA', 'SIGNPOST'))

    union all

    select
        'cp_register', periods.period_type, periods.quarter_label, periods.period_start, periods.period_end,
        periods.population_year, registration_categories.child_key, 'category_of_abuse',
        registration_categories.category
    from registration_categories
    inner join periods
        on registration_categories.registration_date <= periods.period_end
        and (registration_categories.deregistration_date is null
             or registration_categories.deregistration_date > periods.period_end)

    union all

    select
        'looked_after', periods.period_type, periods.quarter_label, periods.period_start, periods.period_end,
        periods.population_year, episodes.child_key, 'legal_status', episodes.legal_status
    from episodes
    inner join periods
        on episodes.start_date <= periods.period_end
        and (episodes.end_date is null or episodes.end_date > periods.period_end)

    union all

    select
        'looked_after', periods.period_type, periods.quarter_label, periods.period_start, periods.period_end,
        periods.population_year, placements.child_key, 'placement_type', placements.placement_type
    from placements
    inner join periods
        on placements.start_date <= periods.period_end
        and (placements.end_date is null or placements.end_date > periods.period_end)

),

children_counted as (

    select distinct
        at_period_end.indicator,
        'children' as counting,
        at_period_end.period_type,
        at_period_end.quarter_label,
        at_period_end.period_start,
        at_period_end.period_end,
        at_period_end.population_year,
        at_period_end.child_key as unit_key,
        at_period_end.child_key,
        {{ age_in_years('children.birth_month', 'at_period_end.period_end') }} as age,
        at_period_end.extra_breakdown,
        at_period_end.extra_value
    from at_period_end
    left join children
        on at_period_end.child_key = children.child_key

)

select * from events
union all
select * from children_counted
