{#- A mart built in parts (materialization table_in_parts, one indicator at a time) holds only the indicators its
    parts list, so the list must name every indicator its rows can have. mart_service_performance's rows are its
    matrix's (indicator_matrix: the catalogue's indicators with a level in the mart) and its parts are the list
    `cdw contracts` writes from the same catalogue file (catalogue_indicators): an indicator in the catalogue
    missing from the list would be silently left out of the mart. -#}
{%- set parts = catalogue_indicators()['mart_service_performance'] %}
select distinct levels.mart, levels.indicator
from {{ ref('ref_indicator_levels') }} as levels
where levels.mart = 'mart_service_performance'
    and levels.indicator not in (
        {%- for part in parts %}
            '{{ part }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
