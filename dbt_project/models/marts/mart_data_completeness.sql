{#- Data completeness (spec 7.2.1): the per cent of each provider's current records with the field recorded
    (not empty, not NREC or U; for the HCN, valid), per provider and feed: children for the Trusts, registrations
    for Sure Start projects, referrals for the voluntary organisations (which record no religion, ethnicity or
    disability). -#}
with trust_children as (

    select * from {{ ref('int_trust__children_keyed') }}

),

registrations as (

    select * from {{ ref('int_sure_start__registrations_keyed') }}

),

family as (

    select * from {{ ref('int_vcs__family_support_keyed') }}

),

fields as (

    select
        provider_code, 'children' as feed, 'religion' as field,
        case when religion is not null and religion <> 'NREC' then 1 else 0 end as is_recorded
    from trust_children
    union all
    select
        provider_code, 'children', 'ethnicity',
        case when ethnicity is not null and ethnicity <> 'NREC' then 1 else 0 end
    from trust_children
    union all
    select
        provider_code, 'children', 'disability',
        case when disability is not null and disability <> 'U' then 1 else 0 end
    from trust_children
    union all
    select provider_code, 'children', 'hcn', case when has_valid_hcn then 1 else 0 end from trust_children
    union all
    select provider_code, 'sure_start_registrations', 'hcn', case when has_valid_hcn then 1 else 0 end
    from registrations
    union all
    select provider_code, 'family_support', 'hcn', case when has_valid_hcn then 1 else 0 end from family

)

select
    fields.provider_code,
    providers.provider_type,
    providers.provider_name,
    fields.feed,
    'completeness_' || fields.field as indicator,
    count(*) as records,
    cast(sum(fields.is_recorded) as bigint) as recorded,
    cast(100.0 * sum(fields.is_recorded) / count(*) as double) as percent_recorded
from fields
left join {{ ref('dim_providers') }} as providers
    on fields.provider_code = providers.provider_code
group by fields.provider_code, providers.provider_type, providers.provider_name, fields.feed, fields.field
