-- depends_on: {{ ref('int_article_changes') }}
-- One row per actor and article: how the latest version of the article involves the actor:
-- mentions of it, claims it made as speaker, claims it relayed as intermediary. The daily activity
-- and the actor dimension roll this up.
with

latest_versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest and {{ changed_articles() }}
),

mentions as (
    select * from {{ ref('stg_extract__mentions') }}
),

claims as (
    select * from {{ ref('int_claims_resolved') }}
    where {{ changed_articles() }}
),

appearances as (
    select
        mentions.article_id,
        mentions.actor_id,
        1 as is_mention,
        0 as is_claim,
        0 as is_relay
    from mentions
    inner join latest_versions
        on
            mentions.article_id = latest_versions.article_id
            and mentions.content_hash = latest_versions.content_hash
    union all
    select
        article_id,
        speaker_actor_id as actor_id,
        0 as is_mention,
        1 as is_claim,
        0 as is_relay
    from claims
    where speaker_actor_id is not null
    union all
    select
        article_id,
        via_actor_id as actor_id,
        0 as is_mention,
        0 as is_claim,
        1 as is_relay
    from claims
    where via_actor_id is not null
),

final as (
    select
        appearances.article_id,
        appearances.actor_id,
        latest_versions.article_published_at as published_at,
        cast(latest_versions.article_published_at as date) as activity_date,
        cast(sum(appearances.is_mention) as bigint) as mention_count,
        cast(sum(appearances.is_claim) as bigint) as claim_count,
        cast(sum(appearances.is_relay) as bigint) as relay_count
    from appearances
    inner join latest_versions on appearances.article_id = latest_versions.article_id
    group by appearances.article_id, appearances.actor_id, latest_versions.article_published_at
)

select * from final
