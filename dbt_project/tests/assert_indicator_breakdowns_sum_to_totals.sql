{#- Every child or event has one value of each characteristic, so each such breakdown's counts sum to the
    total of the same indicator, period and area. Returns the combinations where they do not. -#}
with counts as (

    select * from {{ ref('mart_indicators') }}
    where unit = 'count'

),

totals as (

    select period_type, quarter_label, geographic_level, area_code, indicator, value as total
    from counts
    where breakdown = 'total'

),

sums as (

    select period_type, quarter_label, geographic_level, area_code, indicator, breakdown, sum(value) as summed
    from counts
    where breakdown in ('age_band', 'sex', 'religion', 'ethnicity', 'disability', 'deprivation_quintile')
    group by period_type, quarter_label, geographic_level, area_code, indicator, breakdown

)

select sums.*, totals.total
from sums
inner join totals
    on sums.period_type = totals.period_type
    and sums.quarter_label = totals.quarter_label
    and sums.geographic_level = totals.geographic_level
    and sums.area_code = totals.area_code
    and sums.indicator = totals.indicator
where sums.summed <> totals.total
