{#- The reporting periods (spec 7.2): every calendar quarter the Trusts' submissions cover, and the 12 months
    to each quarter's end. The first submissions carry 24 months of history, so the data start 24 months
    before the first submission period; a period counts only if the data cover all of it. -#}
with submissions as (

    select
        min(submission_period) as first_period,
        max(submission_period) as last_period
    from {{ ref('stg_trust__referrals') }}

),

bounds as (

    select
        cast({{ dbt.dateadd('month', -24, "cast(first_period || '-01' as date)") }} as date) as data_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, "cast(last_period || '-01' as date)")) }} as date)
            as data_end
    from submissions

),

quarters as (

    select
        quarter_label,
        min(date_day) as quarter_start,
        max(date_day) as quarter_end
    from {{ ref('dim_dates') }}
    group by quarter_label

),

periods as (

    select
        'quarter' as period_type,
        quarter_label,
        quarter_start as period_start,
        quarter_end as period_end
    from quarters

    union all

    select
        '12_months' as period_type,
        quarter_label,
        cast({{ dbt.dateadd('day', 1, dbt.dateadd('month', -12, 'quarter_end')) }} as date) as period_start,
        quarter_end as period_end
    from quarters

)

select
    periods.period_type,
    periods.quarter_label,
    periods.period_start,
    periods.period_end,
    cast(extract(year from periods.period_end) as integer) as population_year
from periods
cross join bounds
where periods.period_start >= bounds.data_start
    and periods.period_end <= bounds.data_end
