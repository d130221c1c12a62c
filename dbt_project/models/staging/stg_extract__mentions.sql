-- Actor mentions of the article versions visible at as_of.
with

source as (
    select * from {{ source('extract', 'mentions') }}
),

visible_versions as (
    select distinct article_id, content_hash from {{ ref('stg_raw__entries') }}
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
),

final as (
    select renamed.*
    from renamed
    semi join visible_versions using (article_id, content_hash)
)

select * from final
