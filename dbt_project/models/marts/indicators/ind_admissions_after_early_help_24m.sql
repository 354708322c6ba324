{#- Per cent of admissions to care in the period (episodes started) whose child had early help (a family support
    referral or a Sure Start registration) started in the 24 months before the admission; aged at admission. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

episodes as (

    select * from {{ ref('fct_care_episodes') }}

),

early_help as (

    {{ early_help_starts() }}

),

judged as (

    select
        episodes.episode_key,
        episodes.provider_code,
        episodes.child_key,
        episodes.start_date,
        episodes.age_at_start,
        max(case when early_help.child_key is not null then 1 else 0 end) as had_early_help
    from episodes
    left join early_help
        on episodes.child_key = early_help.child_key
        and episodes.start_date > early_help.start_date
        and cast({{ dbt.dateadd('month', -24, 'episodes.start_date') }} as date) <= early_help.start_date
    group by
        episodes.episode_key, episodes.provider_code, episodes.child_key, episodes.start_date,
        episodes.age_at_start

)

select
    {{ indicator_unit(
        'admissions_after_early_help_24m', 'judged.episode_key', 'judged.child_key', 'judged.age_at_start',
        numerator='judged.had_early_help', provider_code='judged.provider_code'
    ) }}
from judged
inner join periods
    on judged.start_date between periods.period_start and periods.period_end
