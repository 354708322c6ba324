{#- Every value each breakdown of spec 7.2 can take, in publication order, with the labels a reader sees: the
    domain over which the indicator marts complete their matrix (spec 7.3: every combination present), and the
    labels of the Commissioner's workbook and report. Code-list breakdowns take their values and labels from the
    contracts' code lists; age bands, deprivation quintiles, the official bands of time on the register and in
    care, the Family Support Hubs' age groups and the first languages published on their own are fixed here. -#}
{% set from_code_lists = [
    ('sex', 'sex'), ('religion', 'religion'), ('ethnicity', 'ethnicity'), ('disability', 'ynu'),
    ('referral_source', 'referral_source'), ('category_of_abuse', 'abuse'), ('legal_status', 'legal_status'),
    ('placement_type', 'placement_type'), ('deregistration_reason', 'dereg_reason'),
    ('care_end_reason', 'care_end_reason'), ('family_support_need', 'fs_need'),
    ('looked_after_legal_status', 'legal_status'),
] %}
{% set fixed = [
    ('total', [('total', 'Total')]),
    ('age_band', [('under_1', 'Under 1'), ('1_4', '1 to 4'), ('5_11', '5 to 11'), ('12_15', '12 to 15'),
                  ('16_17', '16 to 17'), ('18_plus', '18 and over')]),
    ('deprivation_quintile', [('1', '1 (most deprived)'), ('2', '2'), ('3', '3'), ('4', '4'),
                              ('5', '5 (least deprived)'), ('unknown', 'Not known')]),
    ('time_on_register', [('under_6_months', 'Under 6 months'), ('6_to_12_months', '6 to 12 months'),
                          ('1_to_2_years', '1 to 2 years'), ('2_years_plus', '2 years and over')]),
    ('time_in_care', [('under_1_year', 'Under 1 year'), ('1_to_3_years', '1 to 3 years'),
                      ('3_to_5_years', '3 to 5 years'), ('5_years_plus', '5 years and over')]),
    ('family_support_age_group', [('0_4', '0 to 4'), ('5_10', '5 to 10'), ('11_15', '11 to 15'),
                                  ('16_plus', '16 and over')]),
    ('first_language', published_language_labels() + [('other', 'Other language'), ('unknown', 'Not recorded')]),
] %}
{#- Code-list breakdowns with values of their own after the list's codes. -#}
{% set beyond_code_lists = {'looked_after_legal_status': [('NOT_LOOKED_AFTER', 'Not looked after')]} %}
{% set breakdown_labels = {
    'total': 'Total', 'age_band': 'Age band', 'sex': 'Sex', 'religion': 'Religion', 'ethnicity': 'Ethnic group',
    'disability': 'Disability', 'deprivation_quintile': 'Deprivation quintile', 'first_language': 'First language',
    'time_on_register': 'Time on the register', 'time_in_care': 'Time in care', 'referral_source': 'Referral source',
    'category_of_abuse': 'Category of abuse', 'legal_status': 'Legal status', 'placement_type': 'Placement type',
    'deregistration_reason': 'Reason for deregistration', 'care_end_reason': 'Reason care ended',
    'family_support_need': 'Need', 'looked_after_legal_status': 'Looked-after legal status',
    'family_support_age_group': 'Age group',
} %}
with code_lists as (

    select
        code_list,
        code,
        label,
        row_number() over (partition by code_list order by code) as sort_order
    from {{ ref('ref_code_lists') }}

),

breakdown_values as (

    {% for breakdown, values in fixed %}
        {% for value, label in values %}
            select
                '{{ breakdown }}' as breakdown,
                '{{ value }}' as breakdown_value,
                '{{ label }}' as value_label,
                {{ loop.index }} as sort_order
            union all
        {% endfor %}
    {% endfor %}
    {% for breakdown, values in beyond_code_lists.items() %}
        {% for value, label in values %}
            select '{{ breakdown }}', '{{ value }}', '{{ label }}', 1000 + {{ loop.index }}
            union all
        {% endfor %}
    {% endfor %}
    {% for breakdown, code_list in from_code_lists %}
        select '{{ breakdown }}', code, label, sort_order from code_lists
        where code_list = '{{ code_list }}'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

breakdown_labels as (

    {% for breakdown, label in breakdown_labels.items() %}
        select
            '{{ breakdown }}' as breakdown,
            '{{ label }}' as breakdown_label
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    breakdown_values.breakdown,
    cast(breakdown_values.breakdown_value as {{ dbt.type_string() }}) as breakdown_value,
    cast(breakdown_values.sort_order as integer) as sort_order,
    cast(breakdown_labels.breakdown_label as {{ dbt.type_string() }}) as breakdown_label,
    cast(breakdown_values.value_label as {{ dbt.type_string() }}) as value_label
from breakdown_values
left join breakdown_labels
    on breakdown_values.breakdown = breakdown_labels.breakdown
