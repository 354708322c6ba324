{#- Mean weekly cost of the other placements open at period end (the numerator sums their costs). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

placements as (

    select * from {{ ref('fct_placements') }}

)

select
    {{ indicator_unit(
        'mean_weekly_cost_other_placements', 'placements.placement_key', 'placements.child_key', 'null',
        numerator="placements.weekly_cost_gbp", provider_code='placements.provider_code'
    ) }}
from placements
inner join periods
    on {{ is_open_at_period_end('placements.start_date', 'placements.end_date') }}
where placements.provider_sector <> 'PRIVATE'
