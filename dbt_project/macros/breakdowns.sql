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

{% macro family_support_age_group(age) -%}
    {#- The Family Support Hubs' own age groups: 0 to 4, 5 to 10, 11 to 15, 16 and over. -#}
    case
        when {{ age }} <= 4 then '0_4'
        when {{ age }} <= 10 then '5_10'
        when {{ age }} <= 15 then '11_15'
        when {{ age }} >= 16 then '16_plus'
    end
{%- endmacro %}

{% macro published_languages() -%}
    {#- The first languages published on their own (spec 3.1's: English, Irish and the languages most spoken by
        children new to Northern Ireland); any other is 'other', none recorded 'unknown'. -#}
    {{ return(published_language_labels() | map('first') | list) }}
{%- endmacro %}

{% macro published_language_labels() -%}
    {#- The first languages published on their own, with the names a reader sees. -#}
    {{ return([('en', 'English'), ('ga', 'Irish'), ('pl', 'Polish'), ('lt', 'Lithuanian'), ('ar', 'Arabic'),
               ('pt', 'Portuguese'), ('ro', 'Romanian')]) }}
{%- endmacro %}

{% macro first_language(column) -%}
    case
        when {{ column }} is null then 'unknown'
        when lower({{ column }}) in ('{{ published_languages() | join("', '") }}') then lower({{ column }})
        else 'other'
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

{% macro time_band(start_date, end_date, bands) -%}
    {#- The official band of the time from start_date to end_date: bands is a list of (months, label), the label
        applying to a time under that many whole months; the last label (months none) applies beyond. -#}
    case
        {%- for months, label in bands %}
            {%- if months is none %}
                else '{{ label }}'
            {%- else %}
                when {{ end_date }} < cast({{ dbt.dateadd('month', months, start_date) }} as date) then '{{ label }}'
            {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}

{% macro time_on_register(start_date, end_date) -%}
    {#- The quarterly child protection statistics' bands (Tables 5): under 6 months, 6 to 12 months, 1 to 2
        years, 2 years and over. -#}
    {{ time_band(start_date, end_date, [
        (6, 'under_6_months'), (12, '6_to_12_months'), (24, '1_to_2_years'), (none, '2_years_plus')
    ]) }}
{%- endmacro %}

{% macro time_in_care(start_date, end_date) -%}
    {#- The Children's Social Care Statistics' bands of time in care: under 1 year, 1 to 3, 3 to 5, 5 years or
        more. -#}
    {{ time_band(start_date, end_date, [
        (12, 'under_1_year'), (36, '1_to_3_years'), (60, '3_to_5_years'), (none, '5_years_plus')
    ]) }}
{%- endmacro %}
