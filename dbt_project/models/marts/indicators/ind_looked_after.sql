{#- Children with an episode started on or before period end and not ended by it, by legal status and time in
    care (of the open episode: the time since it started) and placement type (of the open placement); each child
    once, aged at period end. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

placements as (

    select * from {{ ref('fct_placements') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

open_episodes as (

    select periods.*, episodes.provider_code, episodes.child_key, episodes.start_date, episodes.legal_status
    from episodes
    inner join periods
        on {{ is_open_at_period_end('episodes.start_date', 'episodes.end_date') }}

),

looked_after as (

    select
        period_type,
        quarter_label,
        period_start,
        period_end,
        population_year,
        provider_code,
        child_key,
        'legal_status' as breakdown,
        legal_status as breakdown_value
    from open_episodes

    union

    select
        period_type,
        quarter_label,
        period_start,
        period_end,
        population_year,
        provider_code,
        child_key,
        'time_in_care',
        {{ time_in_care('start_date', 'period_end') }}
    from open_episodes

    union

    select
        periods.*,
        placements.provider_code,
        placements.child_key,
        'placement_type',
        placements.placement_type
    from placements
    inner join periods
        on {{ is_open_at_period_end('placements.start_date', 'placements.end_date') }}

)

select
    {{ indicator_unit(
        'looked_after', 'looked_after.child_key', 'looked_after.child_key',
        age_in_years('children.birth_month', 'looked_after.period_end'), breakdown='looked_after.breakdown',
        breakdown_value='looked_after.breakdown_value', provider_code='looked_after.provider_code',
        periods='looked_after'
    ) }}
from looked_after
left join children
    on looked_after.child_key = children.child_key
