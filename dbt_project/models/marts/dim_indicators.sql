{#- The catalogue of published indicators, for analysts and for the Commissioner's metadata.csv. -#}
with catalogue as (

    select * from {{ ref('ref_indicators') }}

)

select
    mart,
    indicator,
    unit,
    label,
    definition,
    numerator,
    denominator,
    source_feeds,
    disclosure_rule,
    over_periods,
    extra_breakdowns,
    geographic_levels,
    provider_type
from catalogue
