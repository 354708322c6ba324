{#- Postcode sectors with their district, LGD, Trust and deprivation (the areas the warehouse reports by). -#}
with sectors as (

    select * from {{ ref('ref_postcode_sectors') }}

),

lgds as (

    select * from {{ ref('ref_lgds') }}

),

trusts as (

    select * from {{ ref('ref_trusts') }}

)

select
    sectors.postcode_sector,
    sectors.postcode_district,
    sectors.lgd_code,
    lgds.lgd_name,
    sectors.trust_code,
    trusts.trust_name,
    cast(sectors.deprivation_decile as integer) as deprivation_decile,
    {{ deprivation_quintile('sectors.deprivation_decile') }} as deprivation_quintile
from sectors
left join lgds
    on sectors.lgd_code = lgds.lgd_code
left join trusts
    on sectors.trust_code = trusts.trust_code
