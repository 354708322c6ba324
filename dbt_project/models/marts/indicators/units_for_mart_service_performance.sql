{#- Every unit of every indicator model the catalogue lists for mart_service_performance, in one relation, so that
    the mart reads one input however many indicators there are: a view on DuckDB, a table on Spark (why: see
    units_for_mart_indicators). -#}
{{ config(materialized='table' if target.type == 'spark' else 'view', partition_by=none) }}

{{ union_indicator_units('mart_service_performance') }}
