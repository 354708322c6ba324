with source as (

    select * from {{ source('batches', 'referrals') }}

),

renamed as (

    select
        provider_code,
        referral_id,
        child_ref,
        referral_date,
        referral_source,
        primary_need,
        decision_date,
        decision,
        allocated_date,
        team_code,
        closed_date,
        record_status,
        period as submission_period,
        submission_id,
        source_row_number
    from source

)

select * from renamed
