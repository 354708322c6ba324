{#- One row per Trust team at each month end (aggregate: no children). Incremental by partition replacement:
    a month end is rebuilt, for every Trust, when a submission newer than the last build carries it (a new month,
    or a resubmission correcting an old one); the other month ends stay as they are. -#}
{{ config(**partition_replacement('snapshot_date')) }}

with snapshots as (

    select * from {{ ref('int_trust__workforce_latest') }}

),

changed as (

    select distinct snapshots.snapshot_date
    from snapshots
    {%- if built_with('last_submission_id') %}
        where snapshots.last_submission_id > (
                select coalesce(max(built.last_submission_id), 0) from {{ this }} as built
            )
    {%- endif %}

)

select
    snapshots.provider_code || '-' || snapshots.team_code || '-'
    || cast(snapshots.snapshot_date as {{ dbt.type_string() }}) as snapshot_key,
    snapshots.provider_code,
    snapshots.team_code,
    snapshots.service_area,
    snapshots.funded_fte,
    snapshots.staff_in_post_fte,
    snapshots.agency_fte,
    snapshots.vacant_fte,
    snapshots.long_term_absence_fte,
    snapshots.open_cases,
    snapshots.unallocated_cases,
    snapshots.last_submission_id,
    snapshots.snapshot_date
from snapshots
inner join changed
    on snapshots.snapshot_date = changed.snapshot_date
