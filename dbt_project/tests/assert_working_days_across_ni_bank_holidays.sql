{#- Working days between known pairs of days, across Northern Ireland's bank holidays (the start day is
    day 0). Returns the pairs where dim_dates disagrees. -#}
with expected as (

    -- Friday 15 to Good Friday 29 March 2024: Monday 18 March (St Patrick's Day fell on a Sunday) and
    -- Good Friday are holidays; 19-22 and 25-28 March are the 8 working days.
    select cast('2024-03-15' as date) as start_day, cast('2024-03-29' as date) as end_day, 8 as working_days
    union all
    -- Thursday 4 to Thursday 18 July 2024, across Friday 12 July: 5, 8-11 and 15-18 July.
    select cast('2024-07-04' as date), cast('2024-07-18' as date), 9
    union all
    -- 12 July 2025 was a Saturday, so Monday 14 July was the holiday: only Tuesday 15 July counts.
    select cast('2025-07-11' as date), cast('2025-07-15' as date), 1
    union all
    -- Christmas Eve 2024 to 2 January 2025: 27, 30 and 31 December and 2 January.
    select cast('2024-12-24' as date), cast('2025-01-02' as date), 4

),

dates as (

    select * from {{ ref('dim_dates') }}

)

select
    expected.start_day,
    expected.end_day,
    expected.working_days,
    finish.working_day_number - start.working_day_number as computed
from expected
inner join dates as start on expected.start_day = start.date_day
inner join dates as finish on expected.end_day = finish.date_day
where finish.working_day_number - start.working_day_number <> expected.working_days
