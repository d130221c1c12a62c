-- Attributed statements of the article versions visible at as_of.
with

source as (
    select * from {{ source('extract', 'claims') }}
),

visible_versions as (
    select distinct article_id, content_hash from {{ ref('stg_raw__entries') }}
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
        lower(cue_verb) as cue_verb,
        lower(claim_type) as claim_type,
        claim_text,
        is_direct_quote,
        start_char,
        end_char,
        sentence,
        extractor_version
    from source
),

final as (
    select renamed.*
    from renamed
    semi join visible_versions using (article_id, content_hash)
)

select * from final
