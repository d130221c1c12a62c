-- extract.mentions renamed: one actor mention in one article version.
-- The quality gates' quarantined rows, and the rows of a quarantined article version, are left out.
with

held_versions as (
    {{ quarantined_versions() | indent(4) }}
),

source as (
    select * from {{ source('extract', 'mentions') }} as mentions
    where
        {{ not_quarantined('extract.mentions', 'mention_id') }}
        and not exists (
            select 1 from held_versions
            where
                held_versions.article_id = mentions.article_id
                and held_versions.content_hash = mentions.content_hash
        )
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
