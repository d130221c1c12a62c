-- depends_on: {{ ref('int_article_changes') }}
-- Every claim of the latest article versions, with its speaker and intermediary resolved to
-- actors. The extractor's actor id wins; a speaker it left unresolved is the actor that a mention
-- in the same article version names with the same words, else the actor whose canonical name those
-- words are; otherwise the words stand alone (speaker_key 'surface:<words>').
with

claims as (
    select * from {{ ref('stg_extract__claims') }}
),

latest_versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest and {{ changed_articles() }}
),

mentions as (
    select * from {{ ref('stg_extract__mentions') }}
),

actors as (
    select * from {{ ref('stg_extract__actors') }}
),

latest_claims as (
    select
        claims.*,
        latest_versions.article_published_at as published_at,
        latest_versions.reported_at
    from claims
    inner join latest_versions
        on
            claims.article_id = latest_versions.article_id
            and claims.content_hash = latest_versions.content_hash
),

-- the words a mention of this article version resolved, per actor: one actor per surface
surface_actors as (
    select
        mentions.article_id,
        mentions.content_hash,
        lower(mentions.surface) as surface_key,
        min(mentions.actor_id) as actor_id
    from mentions
    inner join latest_versions
        on
            mentions.article_id = latest_versions.article_id
            and mentions.content_hash = latest_versions.content_hash
    group by mentions.article_id, mentions.content_hash, lower(mentions.surface)
    having count(distinct mentions.actor_id) = 1
),

name_actors as (
    select
        lower(actor_name) as surface_key,
        min(actor_id) as actor_id
    from actors
    group by lower(actor_name)
    having count(*) = 1
),

resolved as (
    select
        latest_claims.*,
        coalesce(
            latest_claims.speaker_actor_id, speaker_mentions.actor_id, speaker_names.actor_id
        ) as resolved_speaker_actor_id,
        coalesce(latest_claims.via_actor_id, via_mentions.actor_id, via_names.actor_id) as resolved_via_actor_id
    from latest_claims
    left join surface_actors as speaker_mentions
        on
            latest_claims.article_id = speaker_mentions.article_id
            and latest_claims.content_hash = speaker_mentions.content_hash
            and lower(latest_claims.speaker_surface) = speaker_mentions.surface_key
    left join name_actors as speaker_names on lower(latest_claims.speaker_surface) = speaker_names.surface_key
    left join surface_actors as via_mentions
        on
            latest_claims.article_id = via_mentions.article_id
            and latest_claims.content_hash = via_mentions.content_hash
            and lower(latest_claims.via_surface) = via_mentions.surface_key
    left join name_actors as via_names on lower(latest_claims.via_surface) = via_names.surface_key
),

final as (
    select
        resolved.claim_id,
        resolved.article_id,
        resolved.content_hash,
        resolved.resolved_speaker_actor_id as speaker_actor_id,
        resolved.speaker_surface,
        resolved.resolved_via_actor_id as via_actor_id,
        resolved.via_surface,
        resolved.cue_verb,
        resolved.claim_type,
        resolved.claim_text,
        resolved.is_direct_quote,
        resolved.start_char,
        resolved.sentence,
        resolved.published_at,
        resolved.reported_at,
        resolved.extractor_version,
        (resolved.speaker_actor_id is null and resolved.resolved_speaker_actor_id is not null)
            as is_speaker_resolved_here,
        -- the resolved actor's canonical name; the words of the text when no actor was resolved
        coalesce(speakers.actor_name, resolved.speaker_surface) as speaker_name,
        coalesce(intermediaries.actor_name, resolved.via_surface) as via_name,
        coalesce(
            resolved.resolved_speaker_actor_id, 'surface:' || lower(trim(resolved.speaker_surface)), 'unknown'
        ) as speaker_key
    from resolved
    left join actors as speakers on resolved.resolved_speaker_actor_id = speakers.actor_id
    left join actors as intermediaries on resolved.resolved_via_actor_id = intermediaries.actor_id
)

select * from final
