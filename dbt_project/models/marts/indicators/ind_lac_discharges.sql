{#- Episodes of care ended in the period (events), by legal status; aged at the end. -#}
with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

)

select
    {{ indicator_unit(
        'lac_discharges', 'episodes.episode_key', 'episodes.child_key',
        age_in_years('children.birth_month', 'episodes.end_date'), breakdown="'legal_status'",
        breakdown_value='episodes.legal_status', provider_code='episodes.provider_code'
    ) }}
from episodes
inner join periods
    on episodes.end_date between periods.period_start and periods.period_end
left join children
    on episodes.child_key = children.child_key
