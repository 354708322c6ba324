{#- Children under 4 living in the Sure Start projects' catchment sectors, by mid-year: the denominator of Sure
    Start reach, at NI, Trust and LGD level (a sector in two catchments counted once) and for each project, in
    total, by age band, by sex and by deprivation quintile. A sector's share of its LGD's population apportions
    the LGD's estimate (the official figures would be by small area). -#}
with catchments as (

    select * from {{ ref('ref_sure_start_catchments') }}

),

sectors as (

    select * from {{ ref('ref_postcode_sectors') }}

),

under_4 as (

    select
        year as population_year,
        lgd_code,
        {{ age_band('age') }} as age_band,
        sex,
        population
    from {{ ref('ref_population') }}
    where age <= 3

),

sector_population as (

    select
        under_4.population_year,
        sectors.postcode_sector,
        sectors.lgd_code,
        sectors.trust_code,
        {{ deprivation_quintile('sectors.deprivation_decile') }} as deprivation_quintile,
        under_4.age_band,
        under_4.sex,
        under_4.population * sectors.population_share as population
    from sectors
    inner join under_4
        on sectors.lgd_code = under_4.lgd_code
    where sectors.postcode_sector in (select catchments.postcode_sector from catchments)

),

broken_down as (

    select sector_population.*, 'total' as breakdown, 'total' as breakdown_value from sector_population
    union all
    select sector_population.*, 'age_band', age_band from sector_population
    union all
    select sector_population.*, 'sex', sex from sector_population
    union all
    select sector_population.*, 'deprivation_quintile', cast(deprivation_quintile as {{ dbt.type_string() }})
    from sector_population

),

by_area as (

    {{ in_every_area('broken_down', 'trust_code', 'lgd_code') }}
    union all
    select broken_down.*, 'PROJECT', catchments.project_code
    from broken_down
    inner join catchments
        on broken_down.postcode_sector = catchments.postcode_sector

)

select
    population_year,
    geographic_level,
    area_code,
    breakdown,
    breakdown_value,
    cast(sum(population) as double) as population
from by_area
group by population_year, geographic_level, area_code, breakdown, breakdown_value
