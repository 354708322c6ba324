{#- The disaggregated indicators of spec 7.2 (counts, and the percentages cp_reregistrations_24m,
    family_support_needs_met and care_leavers_eet) for every calendar quarter and the 12 months to its end, at Northern
    Ireland, Trust and LGD level (Trust and LGD of residence), by every characteristic breakdown and the
    indicator's own (referral source, category of abuse, legal status, placement type). Events are counted
    once each, children once each (spec 7.2.1); a child's characteristics are their latest recorded values.
    Rates per 10,000 children aged 0 to 17 where the population has the same area and breakdown (total, age
    band, sex), from the mid-year estimate for the year the period ends in. -#}
{% set percentages = ['cp_reregistrations_24m', 'family_support_needs_met', 'care_leavers_eet'] %}
with units as (

    select * from {{ ref('int_indicator_units') }}

),

children as (

    select * from {{ ref('dim_children') }}

),

described as (

    select
        units.*,
        case
            when units.age < 1 then 'under_1'
            when units.age <= 4 then '1_4'
            when units.age <= 11 then '5_11'
            when units.age <= 15 then '12_15'
            when units.age <= 17 then '16_17'
            when units.age >= 18 then '18_plus'
        end as age_band,
        coalesce(children.sex, 'U') as sex,
        coalesce(children.religion, 'NREC') as religion,
        coalesce(children.ethnicity, 'NREC') as ethnicity,
        coalesce(children.disability, 'U') as disability,
        coalesce(cast(children.deprivation_quintile as {{ dbt.type_string() }}), 'unknown') as deprivation_quintile,
        children.lgd_code,
        children.trust_of_residence
    from units
    left join children
        on units.child_key = children.child_key

),

broken_down as (

    {% set breakdowns = ['age_band', 'sex', 'religion', 'ethnicity', 'disability', 'deprivation_quintile'] %}
    select described.*, 'total' as breakdown, 'total' as breakdown_value from described
    {% for breakdown in breakdowns %}
    union all
    select described.*, '{{ breakdown }}', coalesce({{ breakdown }}, 'unknown') from described
    {% endfor %}
    union all
    select described.*, extra_breakdown, extra_value from described where extra_breakdown is not null

),

by_area as (

    select broken_down.*, 'NI' as geographic_level, 'N92000002' as area_code from broken_down
    union all
    select broken_down.*, 'TRUST', trust_of_residence from broken_down where trust_of_residence is not null
    union all
    select broken_down.*, 'LGD', lgd_code from broken_down where lgd_code is not null

),

counts as (

    select
        indicator,
        period_type,
        quarter_label,
        period_start,
        period_end,
        population_year,
        geographic_level,
        area_code,
        breakdown,
        breakdown_value,
        count(distinct case when in_numerator then unit_key end) as numerator,
        count(distinct unit_key) as denominator
    from by_area
    group by
        indicator, period_type, quarter_label, period_start, period_end, population_year, geographic_level,
        area_code, breakdown, breakdown_value

),

populations as (

    select * from {{ ref('int_population_0_17') }}

),

catchments as (

    select * from {{ ref('int_catchment_population_0_3') }}

),

rates as (

    select
        counts.indicator,
        counts.period_type,
        counts.quarter_label,
        counts.period_start,
        counts.period_end,
        counts.population_year,
        counts.geographic_level,
        counts.area_code,
        counts.breakdown,
        counts.breakdown_value,
        'rate_per_10000' as unit,
        cast(counts.numerator as double) as numerator,
        cast(populations.population as double) as denominator,
        cast(counts.numerator as double) * 10000 / populations.population as value
    from counts
    inner join populations
        on counts.population_year = populations.population_year
        and counts.geographic_level = populations.geographic_level
        and counts.area_code = populations.area_code
        and counts.breakdown = populations.breakdown
        and counts.breakdown_value = populations.breakdown_value
    where counts.indicator in ('referrals', 'children_in_need', 'cp_register', 'cp_registrations', 'looked_after')

),

all_values as (

    select
        counts.indicator, counts.period_type, counts.quarter_label, counts.period_start, counts.period_end,
        counts.population_year, counts.geographic_level, counts.area_code, counts.breakdown,
        counts.breakdown_value,
        'percent' as unit,
        cast(counts.numerator as double) as numerator,
        catchments.population as denominator,
        100 * cast(counts.numerator as double) / catchments.population as value
    from counts
    inner join catchments
        on counts.population_year = catchments.population_year
        and counts.geographic_level = catchments.geographic_level
        and counts.area_code = catchments.area_code
    where counts.indicator = 'sure_start_reach' and counts.breakdown = 'total'

    union all

    select
        indicator, period_type, quarter_label, period_start, period_end, population_year, geographic_level,
        area_code, breakdown, breakdown_value,
        case when indicator in ({{ "'" ~ percentages | join("', '") ~ "'" }}) then 'percent' else 'count' end as unit,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        case
            when indicator in ({{ "'" ~ percentages | join("', '") ~ "'" }})
                then 100 * cast(numerator as double) / denominator
            else cast(numerator as double)
        end as value
    from counts
    where indicator <> 'sure_start_reach'

    union all

    select * from rates

),

areas as (

    select 'NI' as geographic_level, 'N92000002' as area_code, 'Northern Ireland' as area_name
    union all
    select 'TRUST', trust_code, trust_name from {{ ref('dim_trusts') }}
    union all
    select 'LGD', lgd_code, lgd_name from {{ ref('dim_lgds') }}

)

select
    all_values.period_type,
    all_values.quarter_label,
    all_values.period_start,
    all_values.period_end,
    all_values.geographic_level,
    all_values.area_code,
    areas.area_name,
    all_values.breakdown,
    all_values.breakdown_value,
    all_values.indicator,
    all_values.unit,
    all_values.numerator,
    all_values.denominator,
    all_values.value
from all_values
left join areas
    on all_values.geographic_level = areas.geographic_level
    and all_values.area_code = areas.area_code
