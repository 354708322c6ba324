{#- mart_indicators sums units instead of counting them distinct, which is right only if a unit has one child,
    one age and one numerator, denominator and measure per indicator and period, whichever provider recorded it
    (its rows differ only in its own breakdown, such as two categories of abuse, and its provider). A unit that
    broke this would be counted twice in a breakdown. (mart_service_performance takes each unit's largest values
    instead: a child looked after by two Trusts may have had three placements with one of them.) Written as distinct-then-group, not as count(distinct) over each
    column, which is six times slower at scale 10. -#}
with units as (

    select * from {{ ref('units_for_mart_indicators') }}

),

combinations as (

    select distinct indicator, period_type, quarter_label, unit_key, child_key, age, numerator, denominator, measure
    from units

)

select
    indicator,
    period_type,
    quarter_label,
    unit_key,
    count(*) as combinations
from combinations
group by indicator, period_type, quarter_label, unit_key
having count(*) > 1
