{#- Every unit of every indicator model the catalogue lists for mart_service_performance, in one relation (a view), so
    that the mart reads one input however many indicators there are. -#}
{{ config(materialized='table' if target.type == 'spark' else 'view', partition_by=none) }}

{{ union_indicator_units('mart_service_performance') }}
