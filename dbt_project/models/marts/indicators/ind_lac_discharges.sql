{#- Episodes of care ended in the period (events), by legal status, by why they ended and by time in care (the
    episode's length); aged at the end. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

ended as (

    select periods.*, episodes.*
    from episodes
    inner join periods
        on episodes.end_date between periods.period_start and periods.period_end

),

by_breakdown as (

    select ended.*, 'legal_status' as breakdown, ended.legal_status as breakdown_value
    from ended

    union all

    select ended.*, 'care_end_reason', coalesce(ended.end_reason, 'unknown')
    from ended

    union all

    select ended.*, 'time_in_care', {{ time_in_care('ended.start_date', 'ended.end_date') }}
    from ended

)

select
    {{ indicator_unit(
        'lac_discharges', 'by_breakdown.episode_key', 'by_breakdown.child_key', 'by_breakdown.age_at_end',
        breakdown='by_breakdown.breakdown',
        breakdown_value='by_breakdown.breakdown_value', provider_code='by_breakdown.provider_code',
        periods='by_breakdown'
    ) }}
from by_breakdown
