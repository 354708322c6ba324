{#- A mart built in parts (materialization table_in_parts), once built, is built again only in the cells (indicator
    and reporting period) a run changes (README, "Incremental marts"): the materialization works the cells out into a
    table first, deletes their rows, and inserts each changed indicator's again, from a query that reads only them. -#}

{% macro mart_cells_rebuilt() -%}
    {#- The table of the cells (indicator, period_type, quarter_label) this run rebuilds in this mart, or none when
        the mart is built whole: on an engine that builds it as one table (partwise_table), when it is not built yet
        or is built in full (should_full_refresh), and when the indicator models' periods are not known (they are
        not all incremental: indicator_models_incremental). The model's SQL reads the table; the materialization
        fills it first. -#}
    {%- if not execute or config.get('materialized') != 'table_in_parts' or should_full_refresh() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set built = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if built is none or built.type != 'table' or not indicator_models_incremental(model.name) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__cells_rebuilt'}, type='table')) }}
{%- endmacro %}

{% macro mart_cells_query() -%}
    {#- The cells a run rebuilds in this mart: where the indicator's model rebuilt the period (its units may differ
        there), and every period of an indicator whose feeds were received, or not, unlike when the mart was last
        built (not available becomes counts, or back). What else the mart reads (the areas, the catalogue, the
        populations) comes from seeds, and a change to a seed rebuilds everything (orchestration/defs/dbt.py,
        full_refresh_reason). The model's config ``not_received_rows`` is the condition its rows of an indicator not
        received meet, and no other row does (a data test of the model holds it to that). -#}
    {%- set indicators = [] -%}
    {%- for indicator in catalogue_indicators()[model.name] %}{% do indicators.append(sql_string(indicator)) %}{% endfor -%}
    {%- set not_received = config.require('not_received_rows') -%}
    select by_units.indicator, by_units.period_type, by_units.quarter_label
    from ({{ periods_rebuilt_by_run(model.name) }}) as by_units
    union
    select changed.indicator, periods.period_type, periods.quarter_label
    from (
        (
            select now_missing.indicator from {{ ref('int_indicators_not_received') }} as now_missing
            where now_missing.indicator in ({{ indicators | join(', ') }})
            except
            select built.indicator from {{ this }} as built where {{ not_received }}
        )
        union
        (
            select built.indicator from {{ this }} as built where {{ not_received }}
            except
            select now_missing.indicator from {{ ref('int_indicators_not_received') }} as now_missing
        )
    ) as changed
    cross join {{ ref('dim_reporting_periods') }} as periods
{%- endmacro %}

{% macro in_mart_cells(cells, qualifier='') -%}
    {#- The condition that a row is in one of the cells of the table ``cells`` (mart_cells_rebuilt). -#}
    ({{ qualifier }}indicator, {{ qualifier }}period_type, {{ qualifier }}quarter_label) in (
        select rebuilt.indicator, rebuilt.period_type, rebuilt.quarter_label from {{ cells }} as rebuilt
    )
{%- endmacro %}
