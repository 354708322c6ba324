{#- One row per Trust team at each month end (aggregate: no children). -#}
with snapshots as (

    select * from {{ ref('int_trust__workforce_latest') }}

)

select
    provider_code || '-' || team_code || '-' || cast(snapshot_date as {{ dbt.type_string() }}) as snapshot_key,
    provider_code,
    team_code,
    snapshot_date,
    service_area,
    funded_fte,
    staff_in_post_fte,
    agency_fte,
    vacant_fte,
    long_term_absence_fte,
    open_cases,
    unallocated_cases
from snapshots
