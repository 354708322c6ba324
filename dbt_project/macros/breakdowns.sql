{#- The breakdowns and areas of spec 7.2, written once for the indicator models and their denominators. -#}

{% macro age_band(age) -%}
    case
        when {{ age }} < 1 then 'under_1'
        when {{ age }} <= 4 then '1_4'
        when {{ age }} <= 11 then '5_11'
        when {{ age }} <= 15 then '12_15'
        when {{ age }} <= 17 then '16_17'
        when {{ age }} >= 18 then '18_plus'
    end
{%- endmacro %}

{% macro deprivation_quintile(decile) -%}
    cast(floor(({{ decile }} + 1) / 2) as integer)
{%- endmacro %}

{% macro in_every_area(relation, trust_column, lgd_column) -%}
    {#- Each row of the relation once for Northern Ireland, once for its Trust and once for its LGD (where known),
        with geographic_level and area_code appended. #}
    select {{ relation }}.*, 'NI' as geographic_level, 'N92000002' as area_code from {{ relation }}
    union all
    select {{ relation }}.*, 'TRUST', {{ trust_column }} from {{ relation }}
    where {{ trust_column }} is not null
    union all
    select {{ relation }}.*, 'LGD', {{ lgd_column }} from {{ relation }}
    where {{ lgd_column }} is not null
{%- endmacro %}
