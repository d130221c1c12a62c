-- extract.actors renamed: every actor the extractors know (gazetteer) or discovered.
with

source as (
    select * from {{ source('extract', 'actors') }}
),

renamed as (
    select
        actor_id,
        name as actor_name,
        country,
        is_discovered,
        extractor_version,
        lower(trim(actor_type)) as actor_type
    from source
)

select * from renamed
