-- extract.claims renamed: one attributed statement in one article version; cue and type lower-cased.
-- The quality gates' quarantined rows, and the rows of a quarantined article version, are left out.
with

held_versions as (
    {{ quarantined_versions() | indent(4) }}
),

source as (
    select * from {{ source('extract', 'claims') }} as claims
    where
        {{ not_quarantined('extract.claims', 'claim_id') }}
        and not exists (
            select 1 from held_versions
            where
                held_versions.article_id = claims.article_id
                and held_versions.content_hash = claims.content_hash
        )
),

renamed as (
    select
        claim_id,
        article_id,
        content_hash,
        speaker_actor_id,
        speaker_surface,
        via_actor_id,
        via_surface,
        claim_text,
        is_direct_quote,
        start_char,
        end_char,
        sentence,
        extractor_version,
        lower(cue_verb) as cue_verb,
        lower(claim_type) as claim_type
    from source
)

select * from renamed
