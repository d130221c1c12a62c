{{ config(materialized='table') }}
-- One article (its latest version, as in marts.articles) scored against one story: every article
-- has a row per story, in or out, with the terms that matched and where.
with

articles as (
    select * from {{ ref('articles') }}
),

scores as (
    select * from {{ ref('stg_extract__article_stories') }}
),

final as (
    select
        scores.story_id,
        articles.article_id,
        scores.score,
        scores.is_member,
        scores.title_terms,
        scores.body_terms,
        scores.matched_actors,
        scores.excluded_by,
        scores.is_in_window,
        scores.explanation,
        articles.published_at,
        articles.latest_content_hash as content_hash
    from articles
    inner join scores
        on
            articles.article_id = scores.article_id
            and articles.latest_content_hash = scores.content_hash
)

select * from final
