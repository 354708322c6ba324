{#- mart_indicators sums units instead of counting them distinct, which is right only if a unit has one child,
    one age and one numerator, denominator and measure per indicator and period, whichever provider recorded it
    (its rows differ only in its own breakdown, such as two categories of abuse, and its provider). A unit that
    broke this would be counted twice in a breakdown. (mart_service_performance takes each unit's largest values
    instead: a child looked after by two Trusts may have had three placements with one of them.) Written as
    distinct-then-group, not as count(distinct) over each column, which is six times slower at scale 10; and one
    indicator at a time by compact keys, as the mart does (macros for_each_indicator, compact_key). Only the periods
    this run built (periods_rebuilt_by_run): a period left alone was tested when built. -#}
-- depends_on: {{ ref('periods_for_indicator_units') }}
{% set rebuilt = periods_rebuilt_by_run('mart_indicators') %}
-- the units' view is read by name in each branch: DuckDB builds a common table expression read more than once
-- whole, before any indicator's condition reaches it (README, "Built one indicator at a time")
with
{%- if rebuilt %}

rebuilt_periods as (

    {{ rebuilt }}

),
{%- endif %}

combinations as (

    {% call(only) for_each_indicator('mart_indicators') -%}
        select distinct
            indicator, period_type, quarter_label, {{ compact_key('unit_key') }} as unit_id,
            {{ compact_key('child_key') }} as child_id, age, numerator, denominator, measure
        from {{ ref('units_for_mart_indicators') }} as units
        where {{ only }}
        {%- if rebuilt %}
            and exists (
                select 1 from rebuilt_periods
                where rebuilt_periods.indicator = units.indicator
                    and rebuilt_periods.period_type = units.period_type
                    and rebuilt_periods.quarter_label = units.quarter_label
            )
        {%- endif %}
    {%- endcall %}

)

-- each broken unit by its compact key (on DuckDB, md5_number(unit_key) finds it among the units): joining its own
-- key back would read every unit again, however few are broken
select indicator, period_type, quarter_label, unit_id, count(*) as combinations
from combinations
group by indicator, period_type, quarter_label, unit_id
having count(*) > 1
