{{ config(materialized='table') }}
-- One actor seen in the marts: mentioned, quoted or relaying a claim in a latest article version.
-- Rolled up from actor_activity_daily, so a run costs actor-days, not mentions.
with

actors as (
    select * from {{ ref('stg_extract__actors') }}
),

activity as (
    select * from {{ ref('actor_activity_daily') }}
),

actor_stats as (
    select
        actor_id,
        sum(mentions) as mention_count,
        sum(claims) as claim_count,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from activity
    group by actor_id
),

final as (
    select
        actors.actor_id,
        actors.actor_name as name,
        actors.actor_type,
        actors.country,
        actors.is_discovered,
        actor_stats.first_seen_at,
        actor_stats.last_seen_at,
        cast(actor_stats.mention_count as bigint) as mention_count,
        cast(actor_stats.claim_count as bigint) as claim_count
    from actors
    inner join actor_stats on actors.actor_id = actor_stats.actor_id
)

select * from final
