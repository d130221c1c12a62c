{{ config(materialized='table') }}
-- The dashboard's "who appears with whom": per UTC day of publication, each pair of actors named in
-- the same articles (actor_id < with_actor_id) and how many articles named both. A query at an
-- `as_of` sums the days before its own and counts its own day up to `as_of` from fct_mentions, so
-- the self-join over every mention is done once here, not on every page view.
with

mentions as (
    select * from {{ ref('fct_mentions') }}
),

present as (
    select distinct
        article_id,
        actor_id,
        cast(published_at as date) as day
    from mentions
),

final as (
    select
        x.day,
        x.actor_id,
        y.actor_id as with_actor_id,
        cast(count(*) as bigint) as articles
    from present as x
    inner join present as y on x.article_id = y.article_id and x.actor_id < y.actor_id
    group by x.day, x.actor_id, y.actor_id
)

select * from final
order by day, actor_id, with_actor_id
