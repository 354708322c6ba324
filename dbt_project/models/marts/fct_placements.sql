{#- One row per placement, in its latest state. -#}
with placements as (

    select * from {{ ref('int_trust__placements_latest') }}

),

children as (

    select * from {{ ref('int_trust__children_keyed') }}

)

select
    placements.provider_code || '-' || placements.placement_id as placement_key,
    placements.provider_code,
    placements.placement_id,
    placements.provider_code || '-' || placements.episode_id as episode_key,
    children.child_key,
    placements.start_date,
    placements.end_date,
    placements.placement_type,
    placements.provider_sector,
    placements.end_reason,
    placements.weekly_cost_gbp,
    placements.last_submission_id
from placements
left join children
    on placements.provider_code = children.provider_code
    and placements.child_ref = children.child_ref
