{#- One row per UNOCINI assessment, in its latest state, with the working days it took (NI bank holidays
    excluded; the start day is day 0, spec 7.2.1). -#}
with assessments as (

    select * from {{ ref('int_trust__assessments_latest') }}

),

children as (

    select * from {{ ref('int_trust__children_keyed') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

)

select
    assessments.provider_code || '-' || assessments.assessment_id as assessment_key,
    assessments.provider_code,
    assessments.assessment_id,
    assessments.provider_code || '-' || assessments.referral_id as referral_key,
    children.child_key,
    assessments.start_date,
    assessments.completed_date,
    assessments.outcome,
    assessments.was_child_seen,
    assessments.has_child_views_recorded,
    {{ age_at_event('start_ages', 'children.birth_month', 'assessments.start_date') }} as age_at_start,
    completed.working_day_number - started.working_day_number as working_days_to_completion,
    completed.working_day_number - started.working_day_number <= 10 as is_within_10_working_days,
    assessments.last_submission_id
from assessments
left join children
    on assessments.provider_code = children.provider_code
    and assessments.child_ref = children.child_ref
{{ event_age_join('start_ages', 'assessments.provider_code', 'assessments.child_ref', 'assessments.start_date') }}
left join dates as started
    on assessments.start_date = started.date_day
left join dates as completed
    on assessments.completed_date = completed.date_day
