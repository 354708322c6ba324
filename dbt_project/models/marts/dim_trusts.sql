with trusts as (

    select * from {{ ref('ref_trusts') }}

)

select
    trust_code,
    trust_name
from trusts
