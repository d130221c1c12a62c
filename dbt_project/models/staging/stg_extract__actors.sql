with

source as (
    select * from {{ source('extract', 'actors') }}
),

final as (
    select
        actor_id,
        name as actor_name,
        lower(trim(actor_type)) as actor_type,
        country,
        is_discovered,
        extractor_version
    from source
)

select * from final
