-- One actor seen in the marts: mentioned, quoted or relaying a claim in a latest article version.
with

actors as (
    select * from {{ ref('stg_extract__actors') }}
),

mentions as (
    select * from {{ ref('fct_mentions') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

appearances as (
    select actor_id, published_at, 1 as is_mention, 0 as is_claim from mentions
    union all
    select speaker_actor_id, published_at, 0, 1 from claims where speaker_actor_id is not null
    union all
    select via_actor_id, published_at, 0, 0 from claims where via_actor_id is not null
),

actor_stats as (
    select
        actor_id,
        sum(is_mention) as mention_count,
        sum(is_claim) as claim_count,
        min(published_at) as first_seen_at,
        max(published_at) as last_seen_at
    from appearances
    group by actor_id
),

final as (
    select
        actors.actor_id,
        actors.actor_name as name,
        actors.actor_type,
        actors.country,
        actors.is_discovered,
        cast(actor_stats.mention_count as bigint) as mention_count,
        cast(actor_stats.claim_count as bigint) as claim_count,
        actor_stats.first_seen_at,
        actor_stats.last_seen_at
    from actors
    inner join actor_stats on actors.actor_id = actor_stats.actor_id
)

select * from final
