-- depends_on: {{ ref('int_article_changes') }}
-- One attributed statement in the latest version of an article, its speaker resolved.
with

claims as (
    select * from {{ ref('int_claims_resolved') }}
    where {{ changed_articles() }}
),

final as (
    select
        claim_id,
        article_id,
        speaker_actor_id,
        speaker_name,
        speaker_surface,
        via_actor_id,
        via_name,
        cue_verb,
        claim_type,
        claim_text,
        is_direct_quote,
        sentence,
        published_at,
        content_hash,
        extractor_version
    from claims
)

select * from final
