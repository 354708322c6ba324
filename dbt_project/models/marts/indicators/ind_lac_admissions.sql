{#- Episodes of care started in the period (events), by legal status; aged at the start. -#}
with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

)

select
    {{ indicator_unit(
        'lac_admissions', 'episodes.episode_key', 'episodes.child_key', 'episodes.age_at_start',
        breakdown="'legal_status'", breakdown_value='episodes.legal_status', provider_code='episodes.provider_code'
    ) }}
from episodes
inner join periods
    on episodes.start_date between periods.period_start and periods.period_end
