with source as (

    select * from {{ source('batches', 'children') }}

),

renamed as (

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
        case interpreter_required when 'Y' then true when 'N' then false end as is_interpreter_required,
        postcode_sector,
        postcode_district,
        lgd_code,
        trust_of_residence,
        deprivation_decile,
        record_status,
        period as submission_period,
        submission_id,
        source_row_number
    from source

)

select * from renamed
