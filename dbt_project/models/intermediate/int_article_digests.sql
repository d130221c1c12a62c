-- depends_on: {{ ref('int_article_changes') }}
-- depends_on: {{ ref('articles') }}
-- depends_on: {{ ref('fct_mentions') }}
-- depends_on: {{ ref('fct_claims') }}
-- depends_on: {{ ref('actor_activity_daily') }}
-- depends_on: {{ ref('claim_clusters') }}
-- depends_on: {{ ref('int_deadline_states') }}
-- depends_on: {{ ref('deadline_history') }}
-- depends_on: {{ ref('deadline_mentions') }}
-- What the last complete build derived from each visible article: the digest of its sources and
-- the partition keys it filled (publication date, event families, claim speakers). It is built
-- after every incremental model (the depends_on lines above), so a build that fails before the end
-- leaves the previous record, and the next build recomputes the same articles again.
with

changes as (
    select * from {{ ref('int_article_changes') }}
    where not is_removed and {{ changed_articles() }}
),

versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest and {{ changed_articles() }}
),

families as (
    select
        article_id,
        list(distinct event_family order by event_family) as event_families
    from {{ ref('int_deadline_mentions_clustered') }}
    where {{ changed_articles() }}
    group by article_id
),

speakers as (
    select
        article_id,
        list(distinct speaker_key order by speaker_key) as speaker_keys
    from {{ ref('int_claims_resolved') }}
    where {{ changed_articles() }}
    group by article_id
),

final as (
    select
        changes.article_id,
        changes.source_digest,
        cast(versions.article_published_at as date) as published_date,
        coalesce(families.event_families, []) as event_families,
        coalesce(speakers.speaker_keys, []) as speaker_keys
    from changes
    inner join versions on changes.article_id = versions.article_id
    left join families on changes.article_id = families.article_id
    left join speakers on changes.article_id = speakers.article_id
)

select * from final
