{#- Per cent of assessments completed in the period in which the child was seen (events). -#}
with periods as (

    select * from {{ indicator_periods() }}

),

assessments as (

    select * from {{ ref('fct_assessments') }}

)

select
    {{ indicator_unit(
        'assessments_child_seen', 'assessments.assessment_key', 'assessments.child_key', 'assessments.age_at_start',
        numerator='case when assessments.was_child_seen then 1 else 0 end', provider_code='assessments.provider_code'
    ) }}
from assessments
inner join periods
    on assessments.completed_date between periods.period_start and periods.period_end
