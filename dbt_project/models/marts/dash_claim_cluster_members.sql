{{ config(materialized='table') }}
-- The dashboard's claims page: each claim of each statement (claim_clusters) on its own row, with
-- the time, article, link and outlets the page shows, so a query at an `as_of` filters rows instead
-- of unpacking every statement's claim list. Sorted by publication: a report-time filter reads a
-- prefix (DuckDB's zone maps skip the rest).
with

clusters as (
    select * from {{ ref('claim_clusters') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

articles as (
    select * from {{ ref('articles') }}
),

members as (
    select
        claim_cluster_id,
        unnest(claim_ids) as claim_id
    from clusters
),

final as (
    select
        members.claim_cluster_id,
        claims.claim_id,
        claims.article_id,
        claims.published_at,
        articles.url,
        articles.feed_ids
    from members
    inner join claims on members.claim_id = claims.claim_id
    inner join articles on claims.article_id = articles.article_id
)

select * from final
order by published_at, claim_cluster_id, claim_id
