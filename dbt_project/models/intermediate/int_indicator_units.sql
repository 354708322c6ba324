{#- What each indicator of spec 7.2.1 counts, period by period: one row per event or child counted (with an
    indicator-specific breakdown where one applies: a unit may have several, e.g. two categories of abuse), the
    age that goes with it (at the event; at the period end for children counted at period end), and whether the
    unit is in the numerator of a percentage (for counts, always). Everything is judged from event dates, so any
    past period can be recomputed. -#}
with periods as (

    select * from {{ ref('int_reporting_periods') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

abuse as (

    select code from {{ ref('ref_code_lists') }}
    where code_list = 'abuse'

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

reregistrations as (

    {#- A registration of a child deregistered within the 24 months before it. -#}
    select
        registrations.registration_key,
        registrations.child_key,
        registrations.registration_date,
        registrations.age_at_registration,
        max(case when earlier.registration_key is not null then 1 else 0 end) = 1 as is_reregistration
    from registrations
    left join registrations as earlier
        on registrations.child_key = earlier.child_key
        and registrations.registration_key <> earlier.registration_key
        and registrations.registration_date > earlier.deregistration_date
        and earlier.deregistration_date
        >= cast({{ dbt.dateadd('month', -24, 'registrations.registration_date') }} as date)
    group by
        registrations.registration_key, registrations.child_key, registrations.registration_date,
        registrations.age_at_registration

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

placements as (

    select * from {{ ref('fct_placements') }}

),

family as (

    select * from {{ ref('fct_family_support_referrals') }}

),

leavers as (

    select * from {{ ref('fct_care_leaver_contacts') }}

),

sure_start as (

    select * from {{ ref('fct_sure_start_registrations') }}

),

events as (

    select
        'referrals' as indicator, 'events' as counting, periods.period_type, periods.quarter_label,
        periods.period_start, periods.period_end, periods.population_year,
        referrals.referral_key as unit_key, referrals.child_key, referrals.age_at_referral as age,
        'referral_source' as extra_breakdown, referrals.referral_source as extra_value, true as in_numerator
    from referrals
    inner join periods
        on referrals.referral_date between periods.period_start and periods.period_end

    union all

    select
        'cp_registrations', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, registration_categories.registration_key,
        registration_categories.child_key, registration_categories.age_at_registration,
        'category_of_abuse', registration_categories.category, true
    from registration_categories
    inner join periods
        on registration_categories.registration_date between periods.period_start and periods.period_end

    union all

    select
        'cp_reregistrations_24m', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, registrations.registration_key, registrations.child_key,
        registrations.age_at_registration, cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), registrations.is_reregistration
    from reregistrations as registrations
    inner join periods
        on registrations.registration_date between periods.period_start and periods.period_end

    union all

    select
        'lac_admissions', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, episodes.episode_key, episodes.child_key,
        episodes.age_at_start, 'legal_status', episodes.legal_status, true
    from episodes
    inner join periods
        on episodes.start_date between periods.period_start and periods.period_end

    union all

    select
        'lac_discharges', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, episodes.episode_key, episodes.child_key,
        {{ age_in_years('children.birth_month', 'episodes.end_date') }}, 'legal_status', episodes.legal_status, true
    from episodes
    inner join periods
        on episodes.end_date between periods.period_start and periods.period_end
    left join children
        on episodes.child_key = children.child_key

    union all

    select
        'family_support_referrals', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, family.referral_key, family.child_key, family.age_at_referral,
        'referral_source', family.referral_source, true
    from family
    inner join periods
        on family.referral_date between periods.period_start and periods.period_end

    union all

    select
        'family_support_needs_met', 'events', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, family.referral_key, family.child_key, family.age_at_referral,
        cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), family.were_needs_met
    from family
    inner join periods
        on family.service_end_date between periods.period_start and periods.period_end

    union all

    select
        'care_leavers_eet', 'children', periods.period_type, periods.quarter_label, periods.period_start,
        periods.period_end, periods.population_year, leavers.child_key as unit_key, leavers.child_key,
        leavers.age_at_contact,
        cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), leavers.is_in_eet
    from leavers
    inner join periods
        on leavers.contact_date between periods.period_start and periods.period_end

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
        and (
            referrals.decision_date is null or referrals.decision_date > periods.period_end
            or referrals.decision not in ('NFA', 'SIGNPOST')
        )

    union all

    select
        'cp_register', periods.period_type, periods.quarter_label, periods.period_start, periods.period_end,
        periods.population_year, registration_categories.child_key, 'category_of_abuse',
        registration_categories.category
    from registration_categories
    inner join periods
        on registration_categories.registration_date <= periods.period_end
        and (
            registration_categories.deregistration_date is null
            or registration_categories.deregistration_date > periods.period_end
        )

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

    union all

    select
        'sure_start_reach', periods.period_type, periods.quarter_label, periods.period_start, periods.period_end,
        periods.population_year, sure_start.child_key, cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }})
    from sure_start
    inner join periods
        on sure_start.registration_date <= periods.period_end
        and (sure_start.exit_date is null or sure_start.exit_date > periods.period_end)
    inner join children
        on sure_start.child_key = children.child_key
        and {{ age_in_years('children.birth_month', 'periods.period_end') }} < 4

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
        at_period_end.extra_value,
        true as in_numerator
    from at_period_end
    left join children
        on at_period_end.child_key = children.child_key

)

select * from events
union all
select * from children_counted
