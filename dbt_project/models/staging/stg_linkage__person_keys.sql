{#- Each record naming a child with its person key, as the restricted zone's linkage wrote them
    (orchestration/lib/linkage.py): the one model that reads the source. -#}
with source as (

    select * from {{ source('linkage', 'person_keys') }}

),

renamed as (

    select
        feed,
        provider_code,
        person_ref,
        person_key,
        link_method
    from source

)

select * from renamed
