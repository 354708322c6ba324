{#- Agency FTE over staff in post FTE, over the Trust's teams at its last workforce snapshot in the period (each
    team's snapshot is a unit, with its own numerator and denominator). -#}
with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

snapshots as (

    select * from {{ ref('fct_workforce_snapshots') }}

),

in_period as (

    select
        periods.*,
        snapshots.snapshot_key,
        snapshots.provider_code,
        snapshots.snapshot_date,
        snapshots.agency_fte,
        snapshots.staff_in_post_fte,
        max(snapshots.snapshot_date) over (
            partition by periods.period_type, periods.quarter_label, snapshots.provider_code
        ) as last_snapshot_date
    from snapshots
    inner join periods
        on snapshots.snapshot_date between periods.period_start and periods.period_end

)

select
    {{ indicator_unit(
        'agency_share', 'in_period.snapshot_key', 'null', 'null', numerator='in_period.agency_fte',
        denominator='in_period.staff_in_post_fte', provider_code='in_period.provider_code', periods='in_period'
    ) }}
from in_period
where in_period.snapshot_date = in_period.last_snapshot_date
