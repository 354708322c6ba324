{#- The disaggregated indicators of spec 7.2 that the catalogue lists for this mart, for every calendar quarter
    and the 12 months to its end, at Northern Ireland, Trust and LGD level (Trust and LGD of residence), by the
    characteristics and the indicator's own breakdowns the catalogue lists. Events are counted once each, children
    once each (spec 7.2.1); a child's characteristics are their latest recorded values. Rates per 10,000 divide by
    the children aged 0 to 17 of the same area and breakdown (the mid-year estimate for the year the period ends
    in), Sure Start reach by the catchments' under-4s: the catalogue names the population. The matrix is complete
    (spec 7.3, indicator_matrix): a count with nothing to count is 0, and a value that cannot exist (a percentage
    of no cases, a rate for ages 18 and over) or has no population to divide by is null, with its availability
    and a note saying which. -#}
{%- set period = 'indicator, period_type, quarter_label, period_start, period_end, population_year' %}
{%- set breakdowns = ['age_band', 'sex', 'religion', 'ethnicity', 'disability', 'deprivation_quintile'] %}
-- the units' view is read by name in each branch: DuckDB builds a common table expression read more than once
-- whole, before any indicator's condition reaches it (README, "Built one indicator at a time")
with

children as (

    select {{ compact_key('child_key') }} as child_id, * from {{ ref('dim_children') }}

),

-- A unit has one child, one age and one numerator and denominator per indicator and period, whichever provider
-- recorded it (the test indicator_units_are_one_per_period), so once each unit is one row per breakdown value its
-- counts add up: units are summed in cells of the finest grain, then the cells in each breakdown and area,
-- instead of counting units distinct over every breakdown and area (the same counts, far less work).
-- Units are made distinct one indicator at a time (macro for_each_indicator) by their compact keys (macro
-- compact_key), which cuts the memory and disk it takes.
unit_rows as (

    {% call(only) for_each_indicator('mart_indicators') -%}
        select distinct
            {{ period }}, {{ compact_key('unit_key') }} as unit_id, {{ compact_key('child_key') }} as child_id, age,
            numerator, denominator
        from {{ ref('units_for_mart_indicators') }}
        where {{ only }}
    {%- endcall %}

),

own_breakdown_rows as (

    {% call(only) for_each_indicator('mart_indicators') -%}
        select distinct
            {{ period }}, {{ compact_key('unit_key') }} as unit_id, {{ compact_key('child_key') }} as child_id,
            numerator, denominator, breakdown, breakdown_value
        from {{ ref('units_for_mart_indicators') }}
        where {{ only }} and breakdown is not null
    {%- endcall %}

),

described as (

    select
        unit_rows.*,
        {{ age_band('unit_rows.age') }} as age_band,
        coalesce(children.sex, 'U') as sex,
        coalesce(children.religion, 'NREC') as religion,
        coalesce(children.ethnicity, 'NREC') as ethnicity,
        coalesce(children.disability, 'U') as disability,
        coalesce(cast(children.deprivation_quintile as {{ dbt.type_string() }}), 'unknown') as deprivation_quintile,
        children.lgd_code,
        children.trust_of_residence
    from unit_rows
    left join children
        on unit_rows.child_id = children.child_id

),

cells as (

    select
        {{ period }},
        trust_of_residence,
        lgd_code,
        {{ breakdowns | join(', ') }},
        sum(denominator) as cases,
        sum(numerator) as counted
    from described
    group by {{ period }}, trust_of_residence, lgd_code, {{ breakdowns | join(', ') }}

),

own_breakdown_cells as (

    select
        {{ period }},
        children.trust_of_residence,
        children.lgd_code,
        own.breakdown,
        own.breakdown_value,
        sum(own.denominator) as cases,
        sum(own.numerator) as counted
    from own_breakdown_rows as own
    left join children
        on own.child_id = children.child_id
    group by
        {{ period }}, children.trust_of_residence, children.lgd_code, own.breakdown, own.breakdown_value

),

broken_down as (

    select {{ period }}, trust_of_residence, lgd_code, 'total' as breakdown, 'total' as breakdown_value, cases, counted
    from cells
    {%- for breakdown in breakdowns %}
        union all
        select
            {{ period }}, trust_of_residence, lgd_code, '{{ breakdown }}', coalesce({{ breakdown }}, 'unknown'),
            cases, counted
        from cells
    {%- endfor %}
    union all
    select {{ period }}, trust_of_residence, lgd_code, breakdown, breakdown_value, cases, counted
    from own_breakdown_cells

),

by_area as (

    {{ in_every_area('broken_down', 'trust_of_residence', 'lgd_code') }}

),

counts as (

    select
        {{ period }},
        geographic_level,
        area_code,
        breakdown,
        breakdown_value,
        sum(counted) as numerator,
        sum(cases) as denominator
    from by_area
    group by {{ period }}, geographic_level, area_code, breakdown, breakdown_value

),

not_received as (

    select * from {{ ref('int_indicators_not_received') }}

),

populations as (

    select * from {{ ref('int_population_0_17') }}

),

catchments as (

    select * from {{ ref('int_catchment_population_0_3') }}

),

matrix as (

    {{ indicator_matrix('mart_indicators', observed='counts') }}

),

filled as (

    select
        matrix.*,
        cast(coalesce(counts.numerator, 0) as double) as counted,
        cast(coalesce(counts.denominator, 0) as double) as cases,
        cast(case
            when matrix.population = 'children_0_17' then populations.population
            when matrix.population = 'catchment_0_3' then catchments.population
        end as double) as population_count
    from matrix
    left join counts
        on matrix.indicator = counts.indicator
        and matrix.period_type = counts.period_type
        and matrix.quarter_label = counts.quarter_label
        and matrix.geographic_level = counts.geographic_level
        and matrix.area_code = counts.area_code
        and matrix.breakdown = counts.breakdown
        and matrix.breakdown_value = counts.breakdown_value
    left join populations
        on matrix.population = 'children_0_17'
        and matrix.population_year = populations.population_year
        and matrix.geographic_level = populations.geographic_level
        and matrix.area_code = populations.area_code
        and matrix.breakdown = populations.breakdown
        and matrix.breakdown_value = populations.breakdown_value
    left join catchments
        on matrix.population = 'catchment_0_3'
        and matrix.population_year = catchments.population_year
        and matrix.geographic_level = catchments.geographic_level
        and matrix.area_code = catchments.area_code
        and matrix.breakdown = catchments.breakdown
        and matrix.breakdown_value = catchments.breakdown_value

),

-- the age bands outside each population: a value for them cannot exist
bands_outside as (

    select 'children_0_17' as population, '18_plus' as age_band
    {%- for band in ['5_11', '12_15', '16_17', '18_plus'] %}
        union all
        select 'catchment_0_3', '{{ band }}'
    {%- endfor %}

),

judged as (

    select
        filled.*,
        case
            when filled.indicator in (select not_received.indicator from not_received) then 'not_received'
            when filled.unit = 'count' then 'available'
            when outside.age_band is not null then 'not_applicable'
            when filled.population <> 'none' and filled.population_count is null then 'not_available'
            when filled.population = 'none' and filled.unit = 'percent' and filled.cases = 0 then 'not_applicable'
            else 'available'
        end as availability
    from filled
    left join bands_outside as outside
        on filled.population = outside.population
        and filled.breakdown = 'age_band'
        and filled.breakdown_value = outside.age_band

)

select
    period_type,
    quarter_label,
    period_start,
    period_end,
    geographic_level,
    area_code,
    area_name,
    breakdown,
    breakdown_value,
    indicator,
    unit,
    counted as numerator,
    case
        when unit = 'count' then counted
        when population <> 'none' then population_count
        else cases
    end as denominator,
    case
        when availability <> 'available' then null
        when unit = 'count' then counted
        when unit = 'rate_per_10000' then counted * 10000 / population_count
        when population <> 'none' then 100 * counted / population_count
        else 100 * counted / cases
    end as value,
    case when availability = 'not_received' then 'not_available' else availability end as availability,
    case
        when availability = 'available' then cast(null as {{ dbt.type_string() }})
        when availability = 'not_received' then 'Not available: a feed it is built from has not been received yet.'
        when population = 'children_0_17' and breakdown = 'age_band' and availability = 'not_applicable'
            then 'The population for rates is children aged 0 to 17.'
        when population = 'catchment_0_3' and breakdown = 'age_band' and availability = 'not_applicable'
            then 'Sure Start registers children under 4.'
        when availability = 'not_available' then 'No population estimate exists for this breakdown.'
        else 'No cases in the period: a percentage cannot be computed.'
    end as note
from judged
