{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    scope_key='speaker_key',
    scope_before='unnest(speaker_keys_before)',
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_article_changes') }}
-- Every claim of the latest article versions with the cluster of claims it belongs to: the same
-- speaker saying the same thing, in several articles or outlets, close in time. Two claims of one
-- speaker published at most var('claim_cluster_max_days') apart are linked when they share at
-- least two content terms and var('claim_cluster_min_overlap') of the terms of the shorter one;
-- clusters are the connected groups. Clustering never crosses speakers, so an incremental run
-- recomputes the speakers of the changed articles, before and after the change, whole.
with recursive

all_claims as (
    select * from {{ ref('int_claims_resolved') }}
),

{%- if is_incremental() %}

changed_speakers as (
    {{ changed_partitions('all_claims') }}
),
{%- endif %}

claims as (
    select
        claim_id,
        article_id,
        speaker_key,
        published_at,
        {{ claim_terms('claim_text') }} as terms
    from all_claims
    {%- if is_incremental() %}
    where speaker_key in (select changed_speakers.speaker_key from changed_speakers)
    {%- endif %}
),

pairs as (
    select
        one.claim_id as from_claim_id,
        other.claim_id as to_claim_id
    from claims as one
    inner join claims as other
        on
            one.speaker_key = other.speaker_key
            and one.claim_id <> other.claim_id
            and abs(date_diff('second', one.published_at, other.published_at))
            <= {{ var('claim_cluster_max_days') }} * 86400
    where
        len(list_intersect(one.terms, other.terms)) >= 2
        and len(list_intersect(one.terms, other.terms))
        >= {{ var('claim_cluster_min_overlap') }} * least(len(one.terms), len(other.terms))
),

reachable (claim_id, reached_claim_id) as (
    select
        claim_id,
        claim_id as reached_claim_id
    from claims
    union
    select
        reachable.claim_id,
        pairs.to_claim_id
    from reachable
    inner join pairs on reachable.reached_claim_id = pairs.from_claim_id
),

clusters as (
    select
        reachable.claim_id,
        first(reached.claim_id order by reached.published_at, reached.claim_id) as first_claim_id
    from reachable
    inner join claims as reached on reachable.reached_claim_id = reached.claim_id
    group by reachable.claim_id
),

final as (
    select
        claims.claim_id,
        claims.article_id,
        claims.speaker_key,
        claims.published_at,
        claims.terms,
        {{ short_hash(['claims.speaker_key', 'clusters.first_claim_id']) }} as claim_cluster_id
    from claims
    inner join clusters on claims.claim_id = clusters.claim_id
)

select * from final
