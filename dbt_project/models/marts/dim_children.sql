{#- One row per child known to any provider, pseudonymised. A child's characteristics are their latest
    recorded values (spec 7.2.1): a Trust's record first (only Trusts record religion, ethnicity and
    disability), then Sure Start, then family support; within a source, the latest submission. Two records that
    tie on all of that (one Trust sending two children with the same HCN in one month) are ordered by their own
    keyed ids, so that every run, and every engine, picks the same one. -#}
with known as (

    select
        child_key, link_method, birth_month, sex, religion, ethnicity, disability, first_language,
        is_interpreter_required, postcode_sector, lgd_code, trust_of_residence, deprivation_decile,
        last_submission_period, provider_code, child_ref as record_ref, 1 as source_rank
    from {{ ref('int_trust__children_keyed') }}

    union all

    select
        child_key, link_method, birth_month, sex, cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), cast(null as boolean), postcode_sector, lgd_code, trust_of_residence,
        deprivation_decile, last_submission_period, provider_code, registration_id, 2 as source_rank
    from {{ ref('int_sure_start__registrations_keyed') }}

    union all

    select
        child_key, link_method, birth_month, sex, cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), cast(null as boolean), postcode_sector, lgd_code, trust_of_residence,
        deprivation_decile, last_submission_period, provider_code, referral_ref, 3 as source_rank
    from {{ ref('int_vcs__family_support_keyed') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by child_key
            order by source_rank asc, last_submission_period desc, provider_code asc, record_ref asc
        ) as recency_rank,
        max(case when source_rank = 1 then 1 else 0 end) over (partition by child_key) as trust_flag,
        max(case when source_rank = 2 then 1 else 0 end) over (partition by child_key) as sure_start_flag,
        max(case when source_rank = 3 then 1 else 0 end) over (partition by child_key) as family_support_flag
    from known

)

select
    child_key,
    link_method,
    birth_month,
    sex,
    religion,
    ethnicity,
    disability,
    first_language,
    is_interpreter_required,
    postcode_sector,
    lgd_code,
    trust_of_residence,
    deprivation_decile,
    {{ deprivation_quintile('deprivation_decile') }} as deprivation_quintile,
    trust_flag = 1 as is_known_to_a_trust,
    sure_start_flag = 1 as is_known_to_sure_start,
    family_support_flag = 1 as is_known_to_family_support
from ranked
where recency_rank = 1
