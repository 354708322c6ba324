{#- Per cent of children looked after at period end who had three or more placements (with the same Trust)
    overlapping the 12 months to period end; each child once. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

placements as (

    select * from {{ ref('fct_placements') }}

),

looked_after as (

    select distinct periods.*, episodes.provider_code, episodes.child_key
    from episodes
    inner join periods
        on {{ is_open_at_period_end('episodes.start_date', 'episodes.end_date') }}

),

counted as (

    select
        looked_after.period_type,
        looked_after.quarter_label,
        looked_after.period_start,
        looked_after.period_end,
        looked_after.population_year,
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
        looked_after.population_year, looked_after.provider_code, looked_after.child_key

)

select
    {{ indicator_unit(
        'lac_three_plus_placements', 'counted.child_key', 'counted.child_key', 'null',
        numerator='case when counted.placements >= 3 then 1 else 0 end', provider_code='counted.provider_code',
        periods='counted'
    ) }}
from counted
