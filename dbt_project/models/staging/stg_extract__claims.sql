-- extract.claims renamed: one attributed statement in one article version; cue and type lower-cased.
with

source as (
    select * from {{ source('extract', 'claims') }}
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
