{#- mart_indicators sums units instead of counting them distinct, which is right only if a unit has one child,
    one age and one place in the numerator per indicator and period (its rows differ only in its own breakdown,
    such as two categories of abuse). A unit that broke this would be counted twice in a breakdown. -#}
with units as (

    select * from {{ ref('int_indicator_units') }}

),

per_unit as (

    select
        indicator,
        period_type,
        quarter_label,
        unit_key,
        count(distinct coalesce(child_key, '-')) as child_keys,
        count(distinct coalesce(cast(age as {{ dbt.type_string() }}), '-')) as ages,
        count(distinct coalesce(cast(in_numerator as {{ dbt.type_string() }}), '-')) as numerator_states
    from units
    group by indicator, period_type, quarter_label, unit_key

)

select * from per_unit
where child_keys > 1 or ages > 1 or numerator_states > 1
