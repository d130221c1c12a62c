-- One attributed statement in the latest version of an article.
with

claims as (
    select * from {{ ref('stg_extract__claims') }}
),

actors as (
    select * from {{ ref('stg_extract__actors') }}
),

latest_versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest
),

final as (
    select
        claims.claim_id,
        claims.article_id,
        claims.speaker_actor_id,
        -- the resolved actor's canonical name; the words of the text when no actor was resolved
        coalesce(speakers.actor_name, claims.speaker_surface) as speaker_name,
        claims.speaker_surface,
        claims.via_actor_id,
        coalesce(intermediaries.actor_name, claims.via_surface) as via_name,
        claims.cue_verb,
        claims.claim_type,
        claims.claim_text,
        claims.is_direct_quote,
        claims.sentence,
        latest_versions.article_published_at as published_at,
        claims.content_hash,
        claims.extractor_version
    from claims
    inner join latest_versions
        on claims.article_id = latest_versions.article_id
        and claims.content_hash = latest_versions.content_hash
    left join actors as speakers on claims.speaker_actor_id = speakers.actor_id
    left join actors as intermediaries on claims.via_actor_id = intermediaries.actor_id
)

select * from final
