{#- Children under 4 living in the Sure Start projects' catchment sectors, by mid-year, at NI, Trust and LGD
    level: the denominator of Sure Start reach. A sector's share of its LGD's population apportions the LGD's
    estimate (the official figures would be by small area). -#}
with catchment_sectors as (

    select distinct catchments.postcode_sector, sectors.lgd_code, sectors.trust_code, sectors.population_share
    from {{ ref('ref_sure_start_catchments') }} as catchments
    inner join {{ ref('ref_postcode_sectors') }} as sectors
        on catchments.postcode_sector = sectors.postcode_sector

),

under_4 as (

    select year as population_year, lgd_code, sum(population) as population
    from {{ ref('ref_population') }}
    where age <= 3
    group by year, lgd_code

),

sector_population as (

    select
        under_4.population_year,
        catchment_sectors.lgd_code,
        catchment_sectors.trust_code,
        under_4.population * catchment_sectors.population_share as population
    from catchment_sectors
    inner join under_4
        on catchment_sectors.lgd_code = under_4.lgd_code

),

by_area as (

    select population_year, 'NI' as geographic_level, 'N92000002' as area_code, population from sector_population
    union all
    select population_year, 'TRUST', trust_code, population from sector_population
    union all
    select population_year, 'LGD', lgd_code, population from sector_population

)

select
    population_year,
    geographic_level,
    area_code,
    cast(sum(population) as double) as population
from by_area
group by population_year, geographic_level, area_code
