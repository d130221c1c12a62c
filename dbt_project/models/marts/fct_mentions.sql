-- depends_on: {{ ref('int_article_changes') }}
-- One actor mention in the latest version of an article.
with

mentions as (
    select * from {{ ref('stg_extract__mentions') }}
),

latest_versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest and {{ changed_articles() }}
),

final as (
    select
        mentions.mention_id,
        mentions.article_id,
        mentions.actor_id,
        mentions.surface,
        mentions.sentence_index,
        mentions.start_char,
        mentions.end_char,
        latest_versions.article_published_at as published_at,
        mentions.content_hash,
        mentions.extractor_version
    from mentions
    inner join latest_versions
        on
            mentions.article_id = latest_versions.article_id
            and mentions.content_hash = latest_versions.content_hash
)

select * from final
