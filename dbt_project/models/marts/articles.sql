-- depends_on: {{ ref('int_article_changes') }}
-- One canonical article, described by its latest version.
with

entries as (
    select * from {{ ref('int_entries_visible') }}
    where {{ changed_articles() }}
),

versions as (
    select * from {{ ref('int_article_versions') }}
    where {{ changed_articles() }}
),

article_stats as (
    select
        article_id,
        min(published_at) as published_at,
        min(first_seen_at) as first_seen_at,
        count(distinct feed_id) as source_count,
        count(distinct content_hash) as version_count,
        string_agg(distinct feed_id, ',' order by feed_id) as feed_ids
    from entries
    group by article_id
),

latest_versions as (
    select * from versions
    where is_latest
),

final as (
    select
        article_stats.article_id,
        coalesce(latest_versions.canonical_url, latest_versions.entry_url) as url,
        latest_versions.title,
        latest_versions.author,
        article_stats.published_at,
        article_stats.first_seen_at,
        latest_versions.reported_at as latest_version_at,
        latest_versions.content_hash as latest_content_hash,
        article_stats.source_count,
        article_stats.version_count,
        article_stats.feed_ids
    from article_stats
    inner join latest_versions on article_stats.article_id = latest_versions.article_id
)

select * from final
