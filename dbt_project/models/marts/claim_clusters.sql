{{ config(scope_key='speaker_key', scope_before='unnest(speaker_keys_before)') }}
-- depends_on: {{ ref('int_article_changes') }}
-- One claim as the news carried it: the claims of one speaker that say the same thing, across
-- articles and outlets, close in time (int_claims_clustered), with its first and last report
-- time and the number of sources that carried it.
with

clustered as (
    select * from {{ ref('int_claims_clustered') }}
    {%- if is_incremental() %}
    where speaker_key in ({{ changed_partitions(ref('int_claims_clustered')) }})
    {%- endif %}
),

claims as (
    select * from {{ ref('int_claims_resolved') }}
),

entries as (
    select * from {{ ref('int_entries_visible') }}
),

members as (
    select
        clustered.claim_cluster_id,
        clustered.speaker_key,
        claims.*
    from clustered
    inner join claims on clustered.claim_id = claims.claim_id
),

sources as (
    select
        members.claim_cluster_id,
        count(distinct entries.feed_id) as source_count,
        string_agg(distinct entries.feed_id, ',' order by entries.feed_id) as feed_ids
    from members
    inner join entries on members.article_id = entries.article_id
    group by members.claim_cluster_id
),

final as (
    select
        members.claim_cluster_id,
        any_value(members.speaker_key) as speaker_key,
        any_value(members.speaker_actor_id) as speaker_actor_id,
        first(members.speaker_name order by members.published_at, members.claim_id) as speaker_name,
        -- the words of the first report stand for the claim
        first(members.claim_text order by members.published_at, members.claim_id) as claim_text,
        first(members.cue_verb order by members.published_at, members.claim_id) as cue_verb,
        bool_or(members.is_direct_quote) as has_direct_quote,
        min(members.published_at) as first_reported_at,
        max(members.published_at) as last_reported_at,
        cast(count(*) as bigint) as claim_count,
        cast(count(distinct members.article_id) as bigint) as article_count,
        cast(any_value(sources.source_count) as bigint) as source_count,
        any_value(sources.feed_ids) as feed_ids,
        list(members.claim_id order by members.published_at, members.claim_id) as claim_ids
    from members
    inner join sources on members.claim_cluster_id = sources.claim_cluster_id
    group by members.claim_cluster_id
)

select * from final
