{#- Exact ages at events, as the restricted zone wrote them (orchestration/lib/ages.py): the one model that reads
    the source. -#}
with source as (

    select * from {{ source('ages', 'event_ages') }}

),

renamed as (

    select
        provider_code,
        person_ref,
        cast(event_date as date) as event_date,
        cast(age as integer) as age
    from source

)

select * from renamed
