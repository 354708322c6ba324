{#- Episodes of care started in the period (events), by legal status and by the type of the episode's first
    placement (the earliest started; unknown while the episode has no placement recorded); aged at the start. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

placements as (

    select * from {{ ref('fct_placements') }}

),

first_placements as (

    select
        episode_key,
        placement_type,
        row_number() over (partition by episode_key order by start_date, placement_key) as placement_order
    from placements

),

admissions as (

    select
        episodes.*,
        periods.period_type,
        periods.quarter_label,
        periods.period_start,
        periods.period_end,
        periods.population_year
    from episodes
    inner join periods
        on episodes.start_date between periods.period_start and periods.period_end

),

by_breakdown as (

    select admissions.*, 'legal_status' as breakdown, admissions.legal_status as breakdown_value
    from admissions

    union all

    select admissions.*, 'placement_type', coalesce(first_placements.placement_type, 'unknown')
    from admissions
    left join first_placements
        on admissions.episode_key = first_placements.episode_key
        and first_placements.placement_order = 1

)

select
    {{ indicator_unit(
        'lac_admissions', 'by_breakdown.episode_key', 'by_breakdown.child_key', 'by_breakdown.age_at_start',
        breakdown='by_breakdown.breakdown', breakdown_value='by_breakdown.breakdown_value',
        provider_code='by_breakdown.provider_code', periods='by_breakdown'
    ) }}
from by_breakdown
