{#- The teams list the warehouse ships, and an unknown member for every team code a Trust sent that the list
    lacks (the quality gate warns of it), so that counted rows keep their team and totals stay whole. -#}
with teams as (

    select * from {{ ref('ref_teams') }}

),

sent as (

    select provider_code, team_code, service_area from {{ ref('int_trust__workforce_latest') }}
    union all
    select provider_code, team_code, cast(null as {{ dbt.type_string() }}) as service_area
    from {{ ref('int_trust__referrals_latest') }}

),

unknown as (

    select
        sent.team_code,
        min(sent.provider_code) as trust_code,
        min(sent.service_area) as service_area
    from sent
    left join teams
        on sent.team_code = teams.team_code
    where teams.team_code is null
    group by sent.team_code

)

select
    team_code,
    trust_code,
    service_area,
    team_name,
    true as is_listed
from teams

union all

select
    team_code,
    trust_code,
    service_area,
    'Unknown team (not in the teams list)' as team_name,
    false as is_listed
from unknown
