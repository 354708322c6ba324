{#- Per cent of assessments completed in the period completed within 10 working days of the start (the start day is
    day 0; Saturdays, Sundays and NI bank holidays are not working days) (events). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

assessments as (

    select * from {{ ref('fct_assessments') }}

)

select
    {{ indicator_unit(
        'assessments_within_10_working_days', 'assessments.assessment_key', 'assessments.child_key', 'assessments.age_at_start',
        numerator='case when assessments.is_within_10_working_days then 1 else 0 end', provider_code='assessments.provider_code'
    ) }}
from assessments
inner join periods
    on assessments.completed_date between periods.period_start and periods.period_end
