{#- One row per period of being looked after, in its latest state. -#}
with episodes as (

    select * from {{ ref('int_trust__care_episodes_latest') }}

),

children as (

    select * from {{ ref('int_trust__children_keyed') }}

)

select
    episodes.provider_code || '-' || episodes.episode_id as episode_key,
    episodes.provider_code,
    episodes.episode_id,
    children.child_key,
    episodes.start_date,
    episodes.end_date,
    episodes.legal_status,
    episodes.end_reason,
    {{ age_in_years('children.birth_month', 'episodes.start_date') }} as age_at_start,
    episodes.last_submission_id
from episodes
left join children
    on episodes.provider_code = children.provider_code
    and episodes.child_ref = children.child_ref
