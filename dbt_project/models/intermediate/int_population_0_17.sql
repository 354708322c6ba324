{#- Children aged 0 to 17 by mid-year, at NI, Trust and LGD level, in total, by age band and by sex: the
    denominators of the rates per 10,000. A Trust's population is that of the LGDs that mostly lie in it. -#}
with population as (

    select
        population.year as population_year,
        population.lgd_code,
        lgds.trust_code,
        population.sex,
        case
            when population.age < 1 then 'under_1'
            when population.age <= 4 then '1_4'
            when population.age <= 11 then '5_11'
            when population.age <= 15 then '12_15'
            else '16_17'
        end as age_band,
        population.population
    from {{ ref('ref_population') }} as population
    inner join {{ ref('ref_lgds') }} as lgds
        on population.lgd_code = lgds.lgd_code
    where population.age <= 17

),

broken_down as (

    select population_year, lgd_code, trust_code, 'total' as breakdown, 'total' as breakdown_value, population
    from population
    union all
    select population_year, lgd_code, trust_code, 'age_band', age_band, population from population
    union all
    select population_year, lgd_code, trust_code, 'sex', sex, population from population

),

by_area as (

    select population_year, 'NI' as geographic_level, 'N92000002' as area_code, breakdown, breakdown_value,
        population
    from broken_down
    union all
    select population_year, 'TRUST', trust_code, breakdown, breakdown_value, population from broken_down
    union all
    select population_year, 'LGD', lgd_code, breakdown, breakdown_value, population from broken_down

)

select
    population_year,
    geographic_level,
    area_code,
    breakdown,
    breakdown_value,
    cast(sum(population) as bigint) as population
from by_area
group by population_year, geographic_level, area_code, breakdown, breakdown_value
