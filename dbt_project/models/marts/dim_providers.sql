{#- Every provider that submits: the five Trusts, the Sure Start projects (with their LGD and Trust area) and
    the voluntary and community organisations. -#}
with providers as (

    select * from {{ ref('ref_providers') }}

),

projects as (

    select * from {{ ref('ref_sure_start_projects') }}

)

select
    providers.provider_code,
    providers.provider_type,
    providers.provider_name,
    providers.trust_layout as submission_layout,
    projects.lgd_code,
    coalesce(projects.trust_code, case when providers.provider_type = 'trust' then providers.provider_code end)
        as trust_code
from providers
left join projects
    on providers.provider_code = projects.project_code
