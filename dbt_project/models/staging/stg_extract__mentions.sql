-- extract.mentions renamed: one actor mention in one article version.
with

source as (
    select * from {{ source('extract', 'mentions') }}
),

renamed as (
    select
        mention_id,
        article_id,
        content_hash,
        actor_id,
        surface,
        start_char,
        end_char,
        sentence_index,
        extractor_version
    from source
)

select * from renamed
