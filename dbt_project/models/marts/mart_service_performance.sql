{#- How services perform (spec 7.2, system performance), by providing Trust, organisation or project and for
    Northern Ireland, for every calendar quarter and the 12 months to its end: the units of every indicator model
    the catalogue lists for this mart, summed (or, for days, their median) per provider and for Northern Ireland.
    A unit counts once at each level, whichever providers recorded it. Each value keeps its numerator and
    denominator (the number of cases behind a median), so that disclosure control can judge it. The matrix is
    complete (indicator_matrix): every provider has a row for every indicator the catalogue lists for its type,
    a count with nothing to count being 0. Definitions: spec 7.2.1. -#}
{#- Built one indicator at a time on DuckDB (macro partwise_table): one query over every indicator's units held
    all their hash tables at once and filled the disk at scale 30 (README, "Figures"). So that the indicator reaches
    the units, every unit's key here is grouped with its indicator, and the units' relation is read by name in each
    place, not through a common table expression read twice, which DuckDB would build whole. -#}
{#- Built again, once built, only in the cells (indicator and period) the run changes (macros/mart_increments.sql):
    then the units, and the matrix they are set in, are read only in those cells. The rows of an indicator not
    received are those with neither numerator nor denominator (the last select below). -#}
{{ config(
    materialized=partwise_table(), parts_column='indicator',
    parts=catalogue_indicators()['mart_service_performance'],
    not_received_rows='numerator is null and denominator is null'
) }}
-- depends_on: {{ ref('periods_for_indicator_units') }}
{%- set period = 'indicator, period_type, quarter_label' %}
{%- set rebuilt = mart_cells_rebuilt() %}
with

-- each unit once per provider and once for Northern Ireland, by its compact key (macro compact_key)
by_provider as (

    select
        {{ period }}, provider_code, {{ compact_key('unit_key') }} as unit_id, max(numerator) as numerator,
        max(denominator) as denominator, max(measure) as measure
    from {{ ref('units_for_mart_service_performance') }}
    {%- if rebuilt %}
        where {{ in_mart_cells(rebuilt) }}
    {%- endif %}
    group by {{ period }}, provider_code, {{ compact_key('unit_key') }}

),

for_ni as (

    select
        {{ period }}, 'N92000002' as area_code, {{ compact_key('unit_key') }} as unit_id,
        max(numerator) as numerator, max(denominator) as denominator, max(measure) as measure
    from {{ ref('units_for_mart_service_performance') }}
    {%- if rebuilt %}
        where {{ in_mart_cells(rebuilt) }}
    {%- endif %}
    group by {{ period }}, {{ compact_key('unit_key') }}

),

aggregated as (

    select
        {{ period }}, provider_code as area_code, sum(numerator) as numerator, sum(denominator) as denominator,
        {{ median('measure') }} as median_measure
    from by_provider
    group by {{ period }}, provider_code

    union all

    select
        {{ period }}, area_code, sum(numerator), sum(denominator), {{ median('measure') }}
    from for_ni
    group by {{ period }}, area_code

),

matrix as (

    select * from ({{ indicator_matrix('mart_service_performance') }}) as catalogue_cells
    {%- if rebuilt %}
        where {{ in_mart_cells(rebuilt, 'catalogue_cells.') }}
    {%- endif %}

),

not_received as (

    select * from {{ ref('int_indicators_not_received') }}

),

catchments as (

    select * from {{ ref('int_catchment_population_0_3') }}
    where breakdown = 'total'

),

computed as (

    select
        matrix.*,
        not_received.indicator is not null as is_not_received,
        aggregated.area_code is not null as has_units,
        aggregated.median_measure,
        case
            when matrix.unit = 'days' then cast(null as double)
            when matrix.population <> 'none' then coalesce(aggregated.numerator, 0)
            else aggregated.numerator
        end as numerator,
        case
            when matrix.population = 'catchment_0_3' then cast(catchments.population as double)
            else aggregated.denominator
        end as denominator
    from matrix
    left join aggregated
        on matrix.indicator = aggregated.indicator
        and matrix.period_type = aggregated.period_type
        and matrix.quarter_label = aggregated.quarter_label
        and matrix.area_code = aggregated.area_code
    left join not_received
        on matrix.indicator = not_received.indicator
    left join catchments
        on matrix.population = 'catchment_0_3'
        and matrix.population_year = catchments.population_year
        and catchments.geographic_level = case when matrix.geographic_level = 'NI' then 'NI' else 'PROJECT' end
        and matrix.area_code = catchments.area_code

),

valued as (

    select
        computed.*,
        case
            when computed.unit = 'days' then computed.median_measure
            when computed.unit = 'count' then computed.numerator
            when computed.denominator is null or computed.denominator = 0 then null
            when computed.unit = 'percent' then 100 * computed.numerator / computed.denominator
            else computed.numerator / computed.denominator
        end as value
    from computed

)

select
    valued.period_type,
    valued.quarter_label,
    valued.period_start,
    valued.period_end,
    valued.geographic_level as provider_level,
    case when valued.geographic_level = 'NI' then 'NI' else valued.area_code end as provider_code,
    valued.area_name as provider_name,
    valued.provider_type,
    valued.indicator,
    valued.unit,
    case
        when valued.is_not_received then cast(null as double)
        when valued.unit = 'count' then coalesce(valued.numerator, 0)
        else valued.numerator
    end as numerator,
    case
        when valued.unit = 'count' or valued.is_not_received then cast(null as double)
        else coalesce(valued.denominator, 0)
    end as denominator,
    case
        when valued.is_not_received then cast(null as double)
        when valued.unit = 'count' then coalesce(valued.value, 0)
        else valued.value
    end as value,
    case
        when valued.is_not_received then 'not_available'
        when valued.unit = 'count' or valued.value is not null then 'available'
        -- workforce figures come from monthly snapshots: a period before the first has no data
        when valued.source_feeds = 'workforce' and not valued.has_units then 'not_available'
        else 'not_applicable'
    end as availability
from valued
