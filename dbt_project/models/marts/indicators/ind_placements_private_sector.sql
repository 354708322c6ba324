{#- Per cent of placements open at period end with a private-sector provider. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

placements as (

    select * from {{ ref('fct_placements') }}

)

select
    {{ indicator_unit(
        'placements_private_sector', 'placements.placement_key', 'placements.child_key', 'null',
        numerator="case when placements.provider_sector = 'PRIVATE' then 1 else 0 end", provider_code='placements.provider_code'
    ) }}
from placements
inner join periods
    on {{ is_open_at_period_end('placements.start_date', 'placements.end_date') }}
