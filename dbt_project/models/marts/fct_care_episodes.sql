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
    {{ age_at_event('start_ages', 'children.birth_month', 'episodes.start_date') }} as age_at_start,
    {{ age_at_event('end_ages', 'children.birth_month', 'episodes.end_date') }} as age_at_end,
    episodes.last_submission_id
from episodes
left join children
    on episodes.provider_code = children.provider_code
    and episodes.child_ref = children.child_ref
{{ event_age_join('start_ages', 'episodes.provider_code', 'episodes.child_ref', 'episodes.start_date') }}
{{ event_age_join('end_ages', 'episodes.provider_code', 'episodes.child_ref', 'episodes.end_date') }}
