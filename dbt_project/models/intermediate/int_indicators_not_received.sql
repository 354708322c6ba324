{#- Indicators built from a feed no provider has sent yet (partial onboarding): both marts publish them as not
    available (x), never as 0. -#}
with catalogue as (

    select distinct indicator, source_feeds from {{ ref('ref_indicators') }}

),

feeds as (

    select * from {{ ref('int_feeds_received') }}

)

select distinct catalogue.indicator
from catalogue
inner join feeds
    on {{ lists_code('catalogue.source_feeds', 'feeds.feed') }}
where not feeds.is_received
