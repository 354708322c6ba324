with lgds as (

    select * from {{ ref('ref_lgds') }}

)

select
    lgd_code,
    lgd_name,
    trust_code
from lgds
