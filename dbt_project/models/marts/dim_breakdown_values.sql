{#- Every value each breakdown of spec 7.2 can take, in publication order: the domain over which the indicator
    marts complete their matrix (spec 7.3: every combination present). Code-list breakdowns take their values
    from the contracts' code lists; age bands, deprivation quintiles, the official bands of time on the register
    and in care, the Family Support Hubs' age groups and the first languages published on their own are fixed
    here. -#}
{% set from_code_lists = [
    ('sex', 'sex'), ('religion', 'religion'), ('ethnicity', 'ethnicity'), ('disability', 'ynu'),
    ('referral_source', 'referral_source'), ('category_of_abuse', 'abuse'), ('legal_status', 'legal_status'),
    ('placement_type', 'placement_type'), ('deregistration_reason', 'dereg_reason'),
    ('care_end_reason', 'care_end_reason'), ('family_support_need', 'fs_need'),
    ('looked_after_legal_status', 'legal_status'),
] %}
{% set fixed = [
    ('total', ['total']),
    ('age_band', ['under_1', '1_4', '5_11', '12_15', '16_17', '18_plus']),
    ('deprivation_quintile', ['1', '2', '3', '4', '5', 'unknown']),
    ('time_on_register', ['under_6_months', '6_to_12_months', '1_to_2_years', '2_years_plus']),
    ('time_in_care', ['under_1_year', '1_to_3_years', '3_to_5_years', '5_years_plus']),
    ('family_support_age_group', ['0_4', '5_10', '11_15', '16_plus']),
    ('first_language', published_languages() + ['other', 'unknown']),
] %}
{#- Code-list breakdowns with values of their own after the list's codes. -#}
{% set beyond_code_lists = {'looked_after_legal_status': ['NOT_LOOKED_AFTER']} %}
with code_lists as (

    select
        code_list,
        code,
        row_number() over (partition by code_list order by code) as sort_order
    from {{ ref('ref_code_lists') }}

),

breakdown_values as (

    {% for breakdown, values in fixed %}
        {% for value in values %}
            select
                '{{ breakdown }}' as breakdown,
                '{{ value }}' as breakdown_value,
                {{ loop.index }} as sort_order
            union all
        {% endfor %}
    {% endfor %}
    {% for breakdown, values in beyond_code_lists.items() %}
        {% for value in values %}
            select '{{ breakdown }}', '{{ value }}', 1000 + {{ loop.index }}
            union all
        {% endfor %}
    {% endfor %}
    {% for breakdown, code_list in from_code_lists %}
        select '{{ breakdown }}', code, sort_order from code_lists
        where code_list = '{{ code_list }}'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    breakdown,
    cast(breakdown_value as {{ dbt.type_string() }}) as breakdown_value,
    cast(sort_order as integer) as sort_order
from breakdown_values
