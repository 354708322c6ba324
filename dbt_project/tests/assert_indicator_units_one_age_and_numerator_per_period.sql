{#- mart_indicators sums units instead of counting them distinct, which is right only if a unit has one child,
    one age and one place in the numerator per indicator and period (its rows differ only in its own breakdown,
    such as two categories of abuse). A unit that broke this would be counted twice in a breakdown. Written as
    distinct-then-group, not as three count(distinct), which is six times slower at scale 10. -#}
with units as (

    select * from {{ ref('int_indicator_units') }}

),

combinations as (

    select distinct indicator, period_type, quarter_label, unit_key, child_key, age, in_numerator
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
