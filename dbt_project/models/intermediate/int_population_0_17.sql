{#- Children aged 0 to 17 by mid-year, at NI, Trust and LGD level, in total, by age band, by sex and by
    deprivation quintile: the denominators of the rates per 10,000. A Trust's population is that of the LGDs
    that mostly lie in it. The quintiles apportion each LGD's estimate by its postcode sectors' population
    shares (official figures would come by small area). -#}
with population as (

    select
        population.year as population_year,
        population.lgd_code,
        lgds.trust_code,
        population.sex,
        {{ age_band('population.age') }} as age_band,
        population.population
    from {{ ref('ref_population') }} as population
    inner join {{ ref('ref_lgds') }} as lgds
        on population.lgd_code = lgds.lgd_code
    where population.age <= 17

),

quintile_shares as (

    select
        lgd_code,
        {{ deprivation_quintile('deprivation_decile') }} as deprivation_quintile,
        sum(population_share) as population_share
    from {{ ref('ref_postcode_sectors') }}
    group by lgd_code, {{ deprivation_quintile('deprivation_decile') }}

),

broken_down as (

    select population_year, lgd_code, trust_code, 'total' as breakdown, 'total' as breakdown_value, population
    from population
    union all
    select population_year, lgd_code, trust_code, 'age_band', age_band, population from population
    union all
    select population_year, lgd_code, trust_code, 'sex', sex, population from population
    union all
    select
        population.population_year,
        population.lgd_code,
        population.trust_code,
        'deprivation_quintile',
        cast(quintile_shares.deprivation_quintile as {{ dbt.type_string() }}),
        population.population * quintile_shares.population_share
    from population
    inner join quintile_shares
        on population.lgd_code = quintile_shares.lgd_code

),

by_area as (

    {{ in_every_area('broken_down', 'trust_code', 'lgd_code') }}

)

select
    population_year,
    geographic_level,
    area_code,
    breakdown,
    breakdown_value,
    cast(round(sum(population)) as bigint) as population
from by_area
group by population_year, geographic_level, area_code, breakdown, breakdown_value
