{#- Agency FTE over staff in post FTE, over the Trust's teams at its last workforce snapshot in the period (each team's
    snapshot is a unit, with its own numerator and denominator). -#}
with in_period as (

    {{ workforce_snapshots_in_periods() }}

)

select
    {{ indicator_unit(
        'agency_share', 'in_period.snapshot_key', 'null', 'null', numerator='in_period.agency_fte',
        denominator='in_period.staff_in_post_fte', provider_code='in_period.provider_code', periods='in_period'
    ) }}
from in_period
where in_period.snapshot_date = in_period.last_snapshot_date
