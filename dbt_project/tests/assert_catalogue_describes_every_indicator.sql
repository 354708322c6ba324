{#- The catalogue is the one description of an indicator: every row of ref_indicators has levels and
    breakdowns, every level and breakdown belongs to an indicator of the catalogue, and every breakdown has
    values (dim_breakdown_values). Returns what breaks this. -#}
with catalogue as (

    select distinct mart, indicator from {{ ref('ref_indicators') }}

),

levels as (

    select distinct mart, indicator from {{ ref('ref_indicator_levels') }}

),

breakdowns as (

    select * from {{ ref('ref_indicator_breakdowns') }}

),

described as (

    select distinct mart, indicator from breakdowns

),

domains as (

    select distinct breakdown from {{ ref('dim_breakdown_values') }}

)

select catalogue.mart, catalogue.indicator, 'no level' as problem
from catalogue
left join levels
    on catalogue.mart = levels.mart
    and catalogue.indicator = levels.indicator
where levels.indicator is null

union all

select catalogue.mart, catalogue.indicator, 'no breakdown'
from catalogue
left join described
    on catalogue.mart = described.mart
    and catalogue.indicator = described.indicator
where described.indicator is null

union all

select levels.mart, levels.indicator, 'a level of no catalogued indicator'
from levels
left join catalogue
    on levels.mart = catalogue.mart
    and levels.indicator = catalogue.indicator
where catalogue.indicator is null

union all

select breakdowns.mart, breakdowns.indicator, 'a breakdown of no catalogued indicator, or with no values'
from breakdowns
left join catalogue
    on breakdowns.mart = catalogue.mart
    and breakdowns.indicator = catalogue.indicator
left join domains
    on breakdowns.breakdown = domains.breakdown
where catalogue.indicator is null or domains.breakdown is null
