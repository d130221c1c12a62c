-- The incremental roll-ups agree with the facts they roll up: per actor, the mentions and claims
-- of actor_activity_daily are those of fct_mentions and fct_claims; every claim is in exactly one
-- claim cluster, whose claim_count counts it. A partition an incremental run forgot shows here.
with

mention_counts as (
    select
        actor_id,
        count(*) as fact_count
    from {{ ref('fct_mentions') }}
    group by actor_id
),

claim_counts as (
    select
        speaker_actor_id as actor_id,
        count(*) as fact_count
    from {{ ref('fct_claims') }}
    where speaker_actor_id is not null
    group by speaker_actor_id
),

daily as (
    select
        actor_id,
        sum(mentions) as mention_count,
        sum(claims) as claim_count
    from {{ ref('actor_activity_daily') }}
    group by actor_id
),

cluster_members as (
    select
        unnest(claim_ids) as claim_id,
        claim_cluster_id
    from {{ ref('claim_clusters') }}
),

problems as (
    select
        coalesce(daily.actor_id, mention_counts.actor_id) as id,
        'mentions' as problem
    from daily
    full outer join mention_counts on daily.actor_id = mention_counts.actor_id
    where coalesce(daily.mention_count, 0) <> coalesce(mention_counts.fact_count, 0)
    union all
    select
        coalesce(daily.actor_id, claim_counts.actor_id) as id,
        'claims' as problem
    from daily
    full outer join claim_counts on daily.actor_id = claim_counts.actor_id
    where coalesce(daily.claim_count, 0) <> coalesce(claim_counts.fact_count, 0)
    union all
    select
        coalesce(claims.claim_id, cluster_members.claim_id) as id,
        'claim not in exactly one cluster' as problem
    from {{ ref('fct_claims') }} as claims
    full outer join cluster_members on claims.claim_id = cluster_members.claim_id
    group by coalesce(claims.claim_id, cluster_members.claim_id)
    having count(cluster_members.claim_cluster_id) <> 1 or count(claims.claim_id) <> 1
    union all
    select
        clusters.claim_cluster_id as id,
        'claim_count' as problem
    from {{ ref('claim_clusters') }} as clusters
    where clusters.claim_count <> len(clusters.claim_ids)
)

select * from problems
