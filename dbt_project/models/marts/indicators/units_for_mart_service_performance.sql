{#- Every unit of every indicator model the catalogue lists for mart_service_performance, in one relation (a view), so
    that the mart reads one input however many indicators there are. -#}
{{ config(materialized='view') }}

{{ union_indicator_units('mart_service_performance') }}
