{#- The disaggregated indicators of spec 7.2 (counts, and the percentages cp_reregistrations_24m,
    family_support_needs_met and care_leavers_eet) for every calendar quarter and the 12 months to its end, at Northern
    Ireland, Trust and LGD level (Trust and LGD of residence), by every characteristic breakdown and the
    indicator's own (referral source, category of abuse, legal status, placement type). Events are counted
    once each, children once each (spec 7.2.1); a child's characteristics are their latest recorded values.
    Rates per 10,000 children aged 0 to 17 of the same area and breakdown, from the mid-year estimate for the
    year the period ends in. The matrix is complete (spec 7.3): every period, area, indicator and breakdown value
    of ref_indicators has a row; a count with nothing to count is 0, and a value that cannot exist (a percentage
    of no cases, a rate for ages 18 and over) or has no population to divide by is null, with its availability
    and a note saying which. -#}
{%- set period = 'indicator, period_type, quarter_label, period_start, period_end, population_year' %}
{%- set breakdowns = ['age_band', 'sex', 'religion', 'ethnicity', 'disability', 'deprivation_quintile'] %}
with units as (

    select * from {{ ref('int_indicator_units') }}

),

children as (

    select * from {{ ref('dim_children') }}

),

-- A unit has one age and one place in the numerator per indicator and period (the test
-- indicator_units_have_one_age_and_numerator_per_period), so once each unit is one row per breakdown value its
-- counts add up: units are summed in cells of the finest grain, then the cells in each breakdown and area,
-- instead of counting units distinct over every breakdown and area (the same counts, far less work).
unit_rows as (

    select distinct {{ period }}, unit_key, child_key, age, in_numerator
    from units

),

extra_rows as (

    select distinct {{ period }}, unit_key, child_key, in_numerator, extra_breakdown, extra_value
    from units
    where extra_breakdown is not null

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
        on unit_rows.child_key = children.child_key

),

cells as (

    select
        {{ period }},
        trust_of_residence,
        lgd_code,
        {{ breakdowns | join(', ') }},
        count(*) as cases,
        sum(case when in_numerator then 1 else 0 end) as counted
    from described
    group by {{ period }}, trust_of_residence, lgd_code, {{ breakdowns | join(', ') }}

),

extra_cells as (

    select
        {{ period }},
        children.trust_of_residence,
        children.lgd_code,
        extra_rows.extra_breakdown,
        extra_rows.extra_value,
        count(*) as cases,
        sum(case when extra_rows.in_numerator then 1 else 0 end) as counted
    from extra_rows
    left join children
        on extra_rows.child_key = children.child_key
    group by
        {{ period }}, children.trust_of_residence, children.lgd_code, extra_rows.extra_breakdown,
        extra_rows.extra_value

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
    select {{ period }}, trust_of_residence, lgd_code, extra_breakdown, extra_value, cases, counted
    from extra_cells

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

catalogue as (

    select indicator, unit, extra_breakdowns
    from {{ ref('ref_indicators') }}
    where mart = 'mart_indicators'

),

not_received as (

    select * from {{ ref('int_indicators_not_received') }}

),

breakdown_values as (

    select * from {{ ref('int_breakdown_values') }}

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

areas as (

    select 'NI' as geographic_level, 'N92000002' as area_code, 'Northern Ireland' as area_name
    union all
    select 'TRUST', trust_code, trust_name from {{ ref('dim_trusts') }}
    union all
    select 'LGD', lgd_code, lgd_name from {{ ref('dim_lgds') }}

),

populations as (

    select * from {{ ref('int_population_0_17') }}

),

catchments as (

    select * from {{ ref('int_catchment_population_0_3') }}

),

{% set standard = ['total', 'age_band', 'sex', 'religion', 'ethnicity', 'disability', 'deprivation_quintile'] %}
indicator_breakdowns as (

    select catalogue.indicator, catalogue.unit, breakdown_values.breakdown, breakdown_values.breakdown_value
    from catalogue
    inner join breakdown_values
        on breakdown_values.breakdown in ({{ "'" ~ standard | join("', '") ~ "'" }})
        or '|' || catalogue.extra_breakdowns || '|' like '%|' || breakdown_values.breakdown || '|%'

    union

    -- a value seen in the data but outside the domain (an unknown age band, say) keeps its row
    select counts.indicator, catalogue.unit, counts.breakdown, counts.breakdown_value
    from counts
    inner join catalogue
        on counts.indicator = catalogue.indicator
    left join breakdown_values
        on counts.breakdown = breakdown_values.breakdown
        and counts.breakdown_value = breakdown_values.breakdown_value
    where breakdown_values.breakdown is null

),

matrix as (

    select
        periods.period_type,
        periods.quarter_label,
        periods.period_start,
        periods.period_end,
        periods.population_year,
        areas.geographic_level,
        areas.area_code,
        areas.area_name,
        indicator_breakdowns.breakdown,
        indicator_breakdowns.breakdown_value,
        indicator_breakdowns.indicator,
        indicator_breakdowns.unit
    from periods
    cross join areas
    cross join indicator_breakdowns

),

filled as (

    select
        matrix.*,
        cast(coalesce(counts.numerator, 0) as double) as counted,
        cast(coalesce(counts.denominator, 0) as double) as cases,
        cast(case when matrix.indicator = 'sure_start_reach' then catchments.population
            else populations.population
        end as double) as population
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
        on matrix.unit = 'rate_per_10000'
        and matrix.population_year = populations.population_year
        and matrix.geographic_level = populations.geographic_level
        and matrix.area_code = populations.area_code
        and matrix.breakdown = populations.breakdown
        and matrix.breakdown_value = populations.breakdown_value
    left join catchments
        on matrix.indicator = 'sure_start_reach'
        and matrix.population_year = catchments.population_year
        and matrix.geographic_level = catchments.geographic_level
        and matrix.area_code = catchments.area_code
        and matrix.breakdown = catchments.breakdown
        and matrix.breakdown_value = catchments.breakdown_value

),

judged as (

    select
        filled.*,
        case
            when filled.indicator in (select not_received.indicator from not_received) then 'not_received'
            when filled.unit = 'count' then 'available'
            when filled.indicator = 'sure_start_reach' and filled.breakdown = 'age_band'
                and filled.breakdown_value not in ('under_1', '1_4') then 'not_applicable'
            when filled.unit = 'rate_per_10000' and filled.breakdown = 'age_band' and filled.breakdown_value = '18_plus'
                then 'not_applicable'
            when (filled.unit = 'rate_per_10000' or filled.indicator = 'sure_start_reach') and filled.population is null
                then 'not_available'
            when
                filled.unit = 'percent' and filled.indicator <> 'sure_start_reach' and filled.cases = 0
                then 'not_applicable'
            else 'available'
        end as availability
    from filled

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
        when unit = 'rate_per_10000' or indicator = 'sure_start_reach' then population
        else cases
    end as denominator,
    case
        when availability <> 'available' then null
        when unit = 'count' then counted
        when unit = 'rate_per_10000' then counted * 10000 / population
        when indicator = 'sure_start_reach' then 100 * counted / population
        else 100 * counted / cases
    end as value,
    case when availability = 'not_received' then 'not_available' else availability end as availability,
    case
        when availability = 'available' then cast(null as {{ dbt.type_string() }})
        when availability = 'not_received' then 'Not available: a feed it is built from has not been received yet.'
        when unit = 'rate_per_10000' and breakdown_value = '18_plus'
            then 'The population for rates is children aged 0 to 17.'
        when indicator = 'sure_start_reach' and breakdown = 'age_band'
            then 'Sure Start registers children under 4.'
        when availability = 'not_available' then 'No population estimate exists for this breakdown.'
        else 'No cases in the period: a percentage cannot be computed.'
    end as note
from judged
