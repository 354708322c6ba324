{#- The shape every indicator model (models/marts/indicators/ind_*.sql) returns: one row per unit counted (an
    event or a child; a team's snapshot for the workforce) per reporting period, written once so that the marts
    can union them. Arguments are SQL expressions. A unit may have several rows when it has several values of its
    own breakdowns (two categories of abuse, a legal status and a placement type); its other columns are the same
    in each. The indicator's name is a literal. -#}

{% macro indicator_unit(
    indicator, unit_key, child_key, age, numerator='1', denominator='1', breakdown=none, breakdown_value=none,
    measure=none, provider_code='provider_code', periods='periods'
) -%}
    '{{ indicator }}' as indicator,
    {{ periods }}.period_type,
    {{ periods }}.quarter_label,
    {{ periods }}.period_start,
    {{ periods }}.period_end,
    {{ periods }}.population_year,
    cast({{ provider_code }} as {{ dbt.type_string() }}) as provider_code,
    cast({{ unit_key }} as {{ dbt.type_string() }}) as unit_key,
    cast({{ child_key }} as {{ dbt.type_string() }}) as child_key,
    cast({{ age }} as integer) as age,
    cast({{ breakdown or 'null' }} as {{ dbt.type_string() }}) as breakdown,
    cast({{ breakdown_value or 'null' }} as {{ dbt.type_string() }}) as breakdown_value,
    cast({{ numerator }} as double) as numerator,
    cast({{ denominator }} as double) as denominator,
    cast({{ measure or 'null' }} as double) as measure
{%- endmacro %}

{% macro unit_columns() -%}
    indicator, period_type, quarter_label, period_start, period_end, population_year, provider_code, unit_key,
    child_key, age, breakdown, breakdown_value, numerator, denominator, measure
{%- endmacro %}

{% macro union_indicator_units(mart) -%}
    {#- Every indicator model the catalogue lists for a mart (indicator_models() is written from the catalogue by
        `cdw contracts`). -#}
    {%- for model in indicator_models()[mart] %}
        select {{ unit_columns() }} from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro for_each_indicator(mart) -%}
    {#- The call block's query once per condition macro indicator_conditions gives for a mart, as one union. -#}
    {%- for condition in adapter.dispatch('indicator_conditions', 'children_data_warehouse')(mart) %}
        {{ caller(condition) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro default__indicator_conditions(mart) -%}
    {#- One condition per indicator the catalogue lists for a mart. An aggregate keyed by indicator over a mart's
        units gives the same rows taken one indicator at a time, and DuckDB holds and spills less: aggregated whole,
        scale 10's units under 1 GB ran its memory out after spilling 29 GB (README, "Figures"). (Built as a table,
        a mart can instead be built one indicator at a time, query after query: macro partwise_table.) -#}
    {%- set conditions = [] -%}
    {%- for indicator in catalogue_indicators()[mart] -%}
        {%- do conditions.append("indicator = '" ~ indicator ~ "'") -%}
    {%- endfor -%}
    {{ return(conditions) }}
{%- endmacro %}

{% macro spark__indicator_conditions(mart) -%}
    {#- One condition selecting every unit: Spark's planner expands each branch over the units' whole union and its
        driver ran out of heap, and Spark spills as it shuffles anyway. -#}
    {{ return(['true']) }}
{%- endmacro %}

{% macro is_awaiting_allocation(referrals, periods) -%}
    {#- A referral waiting for allocation at period end (spec 7.2.1 awaiting_allocation): made and decided on or
        before it as FAMILY_SUPPORT, UNOCINI_ASSESSMENT or CHILD_PROTECTION, neither allocated nor closed by it. -#}
    {{ referrals }}.referral_date <= {{ periods }}.period_end
    and {{ referrals }}.decision_date <= {{ periods }}.period_end
    and {{ referrals }}.decision in ('FAMILY_SUPPORT', 'UNOCINI_ASSESSMENT', 'CHILD_PROTECTION')
    and ({{ referrals }}.allocated_date is null or {{ referrals }}.allocated_date > {{ periods }}.period_end)
    and ({{ referrals }}.closed_date is null or {{ referrals }}.closed_date > {{ periods }}.period_end)
{%- endmacro %}

{% macro is_in_need_at_period_end(referrals, periods) -%}
    {#- A referral that makes its child a child in need at period end (spec 7.2.1 children_in_need): made on or
        before it, not closed by it, and not decided NFA or SIGNPOST by then (an undecided referral counts). -#}
    {{ referrals }}.referral_date <= {{ periods }}.period_end
    and ({{ referrals }}.closed_date is null or {{ referrals }}.closed_date > {{ periods }}.period_end)
    and (
        {{ referrals }}.decision_date is null or {{ referrals }}.decision_date > {{ periods }}.period_end
        or {{ referrals }}.decision not in ('NFA', 'SIGNPOST')
    )
{%- endmacro %}

{% macro indicator_matrix(mart, observed=none) -%}
    {#- The complete matrix of a mart (spec 7.3: every combination present), from the catalogue alone: every
        period, every unit of every indicator the catalogue lists for the mart, every area of each level it is
        published at (for PROVIDER, every provider of the indicator's type) and every value of each of its
        breakdowns. ``observed`` (indicator, breakdown, breakdown_value) adds a value seen in the data but outside
        the breakdown's domain (an unknown age band, say), so that it keeps its row. -#}
    select
        periods.period_type,
        periods.quarter_label,
        periods.period_start,
        periods.period_end,
        periods.population_year,
        areas.geographic_level,
        areas.area_code,
        areas.area_name,
        catalogue.indicator,
        catalogue.unit,
        catalogue.provider_type,
        catalogue.source_feeds,
        coalesce(catalogue.population, 'none') as population,
        values_of.breakdown,
        values_of.breakdown_value
    from {{ ref('dim_reporting_periods') }} as periods
    cross join {{ ref('ref_indicators') }} as catalogue
    inner join {{ ref('ref_indicator_levels') }} as levels
        on catalogue.mart = levels.mart
        and catalogue.indicator = levels.indicator
    inner join (
        select 'NI' as geographic_level, 'N92000002' as area_code, 'Northern Ireland' as area_name,
            cast(null as {{ dbt.type_string() }}) as provider_type
        union all
        select 'TRUST', trust_code, trust_name, cast(null as {{ dbt.type_string() }}) from {{ ref('dim_trusts') }}
        union all
        select 'LGD', lgd_code, lgd_name, cast(null as {{ dbt.type_string() }}) from {{ ref('dim_lgds') }}
        union all
        select 'PROVIDER', provider_code, provider_name, provider_type from {{ ref('dim_providers') }}
    ) as areas
        on levels.geographic_level = areas.geographic_level
        and (areas.provider_type is null or areas.provider_type = catalogue.provider_type)
    inner join {{ ref('ref_indicator_breakdowns') }} as breakdowns
        on catalogue.mart = breakdowns.mart
        and catalogue.indicator = breakdowns.indicator
    inner join (
        select cast(null as {{ dbt.type_string() }}) as indicator, breakdown, breakdown_value
        from {{ ref('dim_breakdown_values') }}
        {%- if observed %}
            union all
            select distinct observed.indicator, observed.breakdown, observed.breakdown_value
            from {{ observed }} as observed
            left join {{ ref('dim_breakdown_values') }} as domain
                on observed.breakdown = domain.breakdown
                and observed.breakdown_value = domain.breakdown_value
            where domain.breakdown is null
        {%- endif %}
    ) as values_of
        on breakdowns.breakdown = values_of.breakdown
        and (values_of.indicator is null or values_of.indicator = catalogue.indicator)
    where catalogue.mart = '{{ mart }}'
{%- endmacro %}

{% macro workforce_snapshots_in_periods() -%}
    {#- Every team snapshot in each reporting period, with the date of its Trust's last snapshot in the period:
        the workforce indicators are read at that last month end (spec 7.2.1). -#}
    select
        periods.*,
        snapshots.*,
        max(snapshots.snapshot_date) over (
            partition by periods.period_type, periods.quarter_label, snapshots.provider_code
        ) as last_snapshot_date
    from {{ ref('fct_workforce_snapshots') }} as snapshots
    inner join {{ indicator_periods() }}
        on snapshots.snapshot_date between periods.period_start and periods.period_end
{%- endmacro %}

{% macro is_open_at_period_end(start_date, end_date, periods='periods') -%}
    {#- A record (an episode, a placement, a registration) open at the period's end: started on or before it and
        not ended by it (spec 7.2.1 "at period end"). -#}
    {{ start_date }} <= {{ periods }}.period_end
    and ({{ end_date }} is null or {{ end_date }} > {{ periods }}.period_end)
{%- endmacro %}

{% macro early_help_starts() -%}
    {#- Every start of early help (spec §3.11, §3.13): a family support referral through a hub, or a Sure Start
        registration, with its child, the child's age at the start and the provider. -#}
    select
        'family_support|' || referral_key as unit_key,
        provider_code,
        child_key,
        referral_date as start_date,
        age_at_referral as age
    from {{ ref('fct_family_support_referrals') }}

    union all

    select
        'sure_start|' || registration_key,
        provider_code,
        child_key,
        registration_date,
        age_at_registration
    from {{ ref('fct_sure_start_registrations') }}
{%- endmacro %}

{% macro early_help_then(indicator, outcomes_model, outcome_date) -%}
    {#- Per cent of early help started in the period a year before this one whose child then came to the Trust
        service ``outcomes_model`` describes (an event on ``outcome_date``) within the 12 months after the
        start; aged at the start. The cohort is a year behind, so every start's 12 months are seen by the
        period's end: each start is a unit, and a year's starts are its four quarters'. -#}
    with periods as (

        select * from {{ indicator_periods() }}

    ),

    early_help as (

        {{ early_help_starts() }}

    ),

    outcomes as (

        select child_key, {{ outcome_date }} as outcome_date from {{ ref(outcomes_model) }}

    ),

    cohort as (

        select
            early_help.*,
            periods.period_type,
            periods.quarter_label,
            periods.period_start,
            periods.period_end,
            periods.population_year
        from early_help
        inner join periods
            on early_help.start_date
            between cast({{ dbt.dateadd('month', -12, 'periods.period_start') }} as date)
            and cast({{ dbt.dateadd('month', -12, 'periods.period_end') }} as date)

    ),

    judged as (

        select
            cohort.unit_key,
            cohort.provider_code,
            cohort.child_key,
            cohort.age,
            cohort.period_type,
            cohort.quarter_label,
            cohort.period_start,
            cohort.period_end,
            cohort.population_year,
            max(case when outcomes.child_key is not null then 1 else 0 end) as came_to_the_service
        from cohort
        left join outcomes
            on cohort.child_key = outcomes.child_key
            and outcomes.outcome_date > cohort.start_date
            and outcomes.outcome_date <= cast({{ dbt.dateadd('month', 12, 'cohort.start_date') }} as date)
        group by
            cohort.unit_key, cohort.provider_code, cohort.child_key, cohort.age, cohort.period_type,
            cohort.quarter_label, cohort.period_start, cohort.period_end, cohort.population_year

    )

    select
        {{ indicator_unit(
            indicator, 'judged.unit_key', 'judged.child_key', 'judged.age', numerator='judged.came_to_the_service',
            provider_code='judged.provider_code', periods='judged'
        ) }}
    from judged
{%- endmacro %}
