{#- What the catalogue's over_periods says holds in both marts: for sum_of_quarters, a 12-month count (or
    numerator) is the sum of its four quarters'; for at_period_end, it equals its last quarter's. Disclosure
    control across releases relies on it (a reader who keeps several extracts can use it). -#}
with catalogue as (

    select distinct mart, indicator, unit, over_periods from {{ ref('dim_indicators') }}
    where over_periods is not null

),

cells as (

    select
        'mart_indicators' as mart, indicator, unit, period_type, period_start, period_end,
        geographic_level || '/' || area_code || '/' || breakdown || '/' || breakdown_value as cell, numerator
    from {{ ref('mart_indicators') }}
    where availability = 'available'

    union all

    select
        'mart_service_performance', indicator, unit, period_type, period_start, period_end, provider_code, numerator
    from {{ ref('mart_service_performance') }}
    where availability = 'available'

),

windows as (

    select
        windows.mart,
        windows.indicator,
        windows.unit,
        windows.cell,
        windows.period_end,
        catalogue.over_periods,
        windows.numerator as twelve_months,
        count(quarters.numerator) as quarters,
        sum(coalesce(quarters.numerator, 0)) as sum_of_quarters,
        max(case when quarters.period_end = windows.period_end then quarters.numerator end) as last_quarter
    from cells as windows
    inner join catalogue
        on windows.mart = catalogue.mart
        and windows.indicator = catalogue.indicator
        and windows.unit = catalogue.unit
    left join cells as quarters
        on windows.mart = quarters.mart
        and windows.indicator = quarters.indicator
        and windows.unit = quarters.unit
        and windows.cell = quarters.cell
        and windows.period_start <= quarters.period_start
        and windows.period_end >= quarters.period_end
        and quarters.period_type = 'quarter'
    where windows.period_type = '12_months'
    group by all

)

select * from windows
where
    (over_periods = 'sum_of_quarters' and quarters = 4 and abs(twelve_months - sum_of_quarters) > 1e-6)
    or (over_periods = 'at_period_end' and last_quarter is not null and abs(twelve_months - last_quarter) > 1e-6)
