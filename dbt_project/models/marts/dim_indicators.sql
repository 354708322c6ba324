{#- The catalogue of published indicators, for analysts and for the Commissioner's metadata.csv: one row per mart,
    indicator and unit, with the levels and breakdowns it is published by (ref_indicator_levels and
    ref_indicator_breakdowns, one row each there) listed for reading. -#}
with catalogue as (

    select * from {{ ref('ref_indicators') }}

),

levels as (

    select
        mart,
        indicator,
        {{ sorted_list('geographic_level', "'|'") }} as geographic_levels
    from {{ ref('ref_indicator_levels') }}
    group by mart, indicator

),

breakdowns as (

    select
        mart,
        indicator,
        {{ sorted_list('breakdown', "'|'") }} as breakdowns
    from {{ ref('ref_indicator_breakdowns') }}
    group by mart, indicator

)

select
    catalogue.mart,
    catalogue.indicator,
    catalogue.unit,
    catalogue.topic,
    catalogue.label,
    catalogue.definition,
    catalogue.numerator,
    catalogue.denominator,
    catalogue.population,
    catalogue.source_feeds,
    catalogue.disclosure_rule,
    catalogue.over_periods,
    levels.geographic_levels,
    breakdowns.breakdowns,
    catalogue.provider_type
from catalogue
inner join levels
    on catalogue.mart = levels.mart
    and catalogue.indicator = levels.indicator
inner join breakdowns
    on catalogue.mart = breakdowns.mart
    and catalogue.indicator = breakdowns.indicator
