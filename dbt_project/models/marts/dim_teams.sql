with teams as (

    select * from {{ ref('ref_teams') }}

)

select
    team_code,
    trust_code,
    service_area,
    team_name
from teams
