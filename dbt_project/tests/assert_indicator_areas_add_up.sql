{#- The Trusts' counts add up to the LGDs' (each LGD lies in one Trust) and to no more than Northern
    Ireland's (a child whose postcode is not a known sector counts only for NI). -#}
with counts as (

    select * from {{ ref('mart_indicators') }}
    where unit = 'count' and breakdown = 'total'

),

by_level as (

    select
        period_type,
        quarter_label,
        indicator,
        sum(case when geographic_level = 'NI' then value else 0 end) as ni,
        sum(case when geographic_level = 'TRUST' then value else 0 end) as trusts,
        sum(case when geographic_level = 'LGD' then value else 0 end) as lgds
    from counts
    group by period_type, quarter_label, indicator

)

select * from by_level
where trusts <> lgds or trusts > ni
