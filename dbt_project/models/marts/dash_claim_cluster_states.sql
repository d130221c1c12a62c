{{ config(materialized='table') }}
-- The dashboard's statements at any `as_of`: one row per statement and instant a report added claims
-- to it, valid from that instant until the next one (report time), with the running totals the
-- claims page shows. A query keeps the rows valid at its `as_of`: no statement is recounted.
with

members as (
    select * from {{ ref('dash_claim_cluster_members') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

-- the words of the first report stand for the statement, at any time it is shown
firsts as (
    select
        members.claim_cluster_id,
        first(claims.speaker_name order by members.published_at, members.claim_id) as speaker_name,
        first(claims.claim_text order by members.published_at, members.claim_id) as claim_text,
        first(claims.cue_verb order by members.published_at, members.claim_id) as cue_verb,
        min(members.published_at) as first_reported_at
    from members
    inner join claims on members.claim_id = claims.claim_id
    group by members.claim_cluster_id
),

-- an article has one publication time, so each article is counted at exactly one step
steps as (
    select
        claim_cluster_id,
        published_at,
        count(*) as claims_added,
        count(distinct article_id) as articles_added
    from members
    group by claim_cluster_id, published_at
),

member_outlets as (
    select
        claim_cluster_id,
        published_at,
        unnest(string_split(feed_ids, ',')) as outlet
    from members
),

outlets as (
    select
        claim_cluster_id,
        outlet,
        min(published_at) as first_at
    from member_outlets
    group by claim_cluster_id, outlet
),

running as (
    select
        claim_cluster_id,
        published_at as valid_from,
        lead(published_at) over (partition by claim_cluster_id order by published_at) as valid_to,
        cast(sum(claims_added) over (
            partition by claim_cluster_id order by published_at rows unbounded preceding
        ) as bigint) as claim_count,
        cast(sum(articles_added) over (
            partition by claim_cluster_id order by published_at rows unbounded preceding
        ) as bigint) as article_count
    from steps
),

outlets_then as (
    select
        running.claim_cluster_id,
        running.valid_from,
        list_sort(list(outlets.outlet)) as outlets
    from running
    inner join outlets
        on running.claim_cluster_id = outlets.claim_cluster_id and running.valid_from >= outlets.first_at
    group by running.claim_cluster_id, running.valid_from
),

final as (
    select
        running.claim_cluster_id,
        running.valid_from,
        running.valid_to,
        firsts.speaker_name,
        firsts.claim_text,
        firsts.cue_verb,
        firsts.first_reported_at,
        running.claim_count,
        running.article_count,
        outlets_then.outlets,
        cast(len(outlets_then.outlets) as bigint) as source_count
    from running
    inner join firsts on running.claim_cluster_id = firsts.claim_cluster_id
    inner join outlets_then
        on
            running.claim_cluster_id = outlets_then.claim_cluster_id
            and running.valid_from = outlets_then.valid_from
)

select * from final
order by valid_from, claim_cluster_id
