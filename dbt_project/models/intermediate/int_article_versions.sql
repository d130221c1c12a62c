-- depends_on: {{ ref('int_article_changes') }}
-- One row per article version: a distinct (article_id, content_hash) among the visible entries,
-- numbered in the order the feeds reported them; the last one is the article's latest version.
-- Incremental: the changed articles are recomputed whole.
with

entries as (
    select * from {{ ref('int_entries_visible') }}
    where {{ changed_articles() }}
),

articles as (
    select
        article_id,
        min(published_at) as article_published_at
    from entries
    group by article_id
),

versions as (
    select
        article_id,
        content_hash,
        -- when a feed first carried this version: its updated time, else its publication time
        min(coalesce(updated_at, published_at)) as version_sort_at,
        min(published_at) as published_at,
        min(updated_at) as updated_at,
        min(first_seen_at) as first_seen_at,
        first(title order by first_seen_at, entry_version_id) as title,
        first(canonical_url order by first_seen_at, entry_version_id) as canonical_url,
        first(entry_url order by first_seen_at, entry_version_id) as entry_url,
        first(author order by author is null, first_seen_at, entry_version_id) as author,
        count(distinct feed_id) as source_count,
        count(*) as entry_count
    from entries
    group by article_id, content_hash
),

numbered as (
    select
        versions.*,
        articles.article_published_at,
        -- feeds that never change their date (RSS pubDate) tie on version_sort_at: the version we
        -- stored later is the edit; content_hash only breaks exact ties, for determinism
        row_number() over (
            partition by versions.article_id
            order by versions.version_sort_at, versions.first_seen_at, versions.content_hash
        ) as version_number,
        count(*) over (partition by versions.article_id) as version_count
    from versions
    inner join articles on versions.article_id = articles.article_id
),

final as (
    select
        article_id,
        content_hash,
        version_number,
        title,
        canonical_url,
        entry_url,
        author,
        article_published_at,
        published_at,
        updated_at,
        first_seen_at,
        source_count,
        entry_count,
        {{ short_hash(['article_id', 'content_hash']) }} as article_version_id,
        version_number = version_count as is_latest,
        -- report time of the version: the article's publication for the first version, the edit's
        -- updated time (never before publication) for later ones
        case
            when version_number = 1 then article_published_at
            else greatest(version_sort_at, article_published_at)
        end as reported_at
    from numbered
)

select * from final
