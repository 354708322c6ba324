{#- The latest state of each child record: a later month's version replaces an earlier one,
    a resubmission replaces its period's earlier file, and a record deleted as entered in error goes. -#}
with versions as (

    select
        *,
        row_number() over (
            partition by provider_code, child_ref
            order by submission_period desc, submission_id desc, source_row_number desc
        ) as version_rank
    from {{ ref('stg_trust__children') }}

),

latest as (

    select * from versions where version_rank = 1

)

select
    provider_code,
    child_ref,
    child_key,
    link_method,
    has_valid_hcn,
    birth_month,
    sex,
    religion,
    ethnicity,
    disability,
    first_language,
    is_interpreter_required,
    postcode_sector,
    postcode_district,
    lgd_code,
    trust_of_residence,
    deprivation_decile,
    submission_period as last_submission_period
from latest
where record_status = 'active'
