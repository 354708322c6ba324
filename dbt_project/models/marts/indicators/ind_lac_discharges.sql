{#- Episodes of care ended in the period (events), by legal status, by why they ended and by time in care (the
    episode's length); aged at the end. -#}
with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

children as (

    select child_key, birth_month from {{ ref('dim_children') }}

),

ended as (

    select
        periods.*,
        episodes.episode_key,
        episodes.provider_code,
        episodes.child_key,
        episodes.end_date,
        'legal_status' as breakdown,
        episodes.legal_status as breakdown_value
    from episodes
    inner join periods
        on episodes.end_date between periods.period_start and periods.period_end

    union all

    select
        periods.*,
        episodes.episode_key,
        episodes.provider_code,
        episodes.child_key,
        episodes.end_date,
        'care_end_reason',
        coalesce(episodes.end_reason, 'unknown')
    from episodes
    inner join periods
        on episodes.end_date between periods.period_start and periods.period_end

    union all

    select
        periods.*,
        episodes.episode_key,
        episodes.provider_code,
        episodes.child_key,
        episodes.end_date,
        'time_in_care',
        {{ time_in_care('episodes.start_date', 'episodes.end_date') }}
    from episodes
    inner join periods
        on episodes.end_date between periods.period_start and periods.period_end

)

select
    {{ indicator_unit(
        'lac_discharges', 'ended.episode_key', 'ended.child_key', age_in_years('children.birth_month', 'ended.end_date'),
        breakdown='ended.breakdown', breakdown_value='ended.breakdown_value', provider_code='ended.provider_code',
        periods='ended'
    ) }}
from ended
left join children
    on ended.child_key = children.child_key
