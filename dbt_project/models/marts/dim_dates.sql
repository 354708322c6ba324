{#- One row per day, 2015 to 2030: calendar quarters (the Commissioner's extract), financial years to
    31 March, and Northern Ireland working days (no weekends, no NI bank holidays) for working-day targets. -#}
with days as (

    {{ dbt.date_spine("day", "cast('2015-01-01' as date)", "cast('2031-01-01' as date)") }}

),

holidays as (

    select * from {{ ref('ref_bank_holidays') }}

),

calendar as (

    select
        cast(days.date_day as date) as date_day,
        cast(extract(year from days.date_day) as integer) as calendar_year,
        cast(extract(month from days.date_day) as integer) as calendar_month,
        cast(extract(quarter from days.date_day) as integer) as calendar_quarter,
        {{ iso_day_of_week('days.date_day') }} as iso_day_of_week,
        holidays.holiday_name
    from days
    left join holidays
        on cast(days.date_day as date) = holidays.holiday_date

),

flagged as (

    select
        *,
        iso_day_of_week >= 6 as is_weekend,
        holiday_name is not null as is_bank_holiday,
        iso_day_of_week < 6 and holiday_name is null as is_working_day
    from calendar

)

select
    date_day,
    calendar_year,
    calendar_month,
    calendar_quarter,
    cast(calendar_year as {{ dbt.type_string() }}) || '-Q' || cast(calendar_quarter as {{ dbt.type_string() }})
        as quarter_label,
    case
        when calendar_month >= 4
            then cast(calendar_year as {{ dbt.type_string() }}) || '/'
            || right(cast(calendar_year + 1 as {{ dbt.type_string() }}), 2)
        else cast(calendar_year - 1 as {{ dbt.type_string() }}) || '/'
            || right(cast(calendar_year as {{ dbt.type_string() }}), 2)
    end as financial_year,
    iso_day_of_week,
    is_weekend,
    is_bank_holiday,
    holiday_name,
    is_working_day,
    cast(sum(case when is_working_day then 1 else 0 end) over (
        order by date_day rows between unbounded preceding and current row
    ) as integer) as working_day_number
from flagged
