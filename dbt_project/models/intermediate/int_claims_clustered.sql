{{ config(scope_key='speaker_key', scope_before='unnest(speaker_keys_before)') }}
-- depends_on: {{ ref('int_article_changes') }}
-- Every claim of the latest article versions with the cluster of claims it belongs to: the same
-- speaker saying the same thing, in several articles or outlets, close in time. Two claims of one
-- speaker published at most var('claim_cluster_max_days') apart are linked when they share at
-- least two content terms and var('claim_cluster_min_overlap') of the terms of the shorter one;
-- clusters are the connected groups. Clustering never crosses speakers, so an incremental run
-- recomputes the speakers of the changed articles, before and after the change, whole.
-- The sqlfluff duckdb dialect cannot parse a recursive CTE `using key` (DuckDB 1.3+), used below for
-- connected components: the parse check is waived for this model, the other rules still hold elsewhere
with recursive -- noqa: PRS

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

-- (1) nodes: claims of one speaker with the same terms (two or more) and no gap of more than
-- claim_cluster_max_days between one and the next are linked with each other, so they form one
-- node; the same words quoted by many outlets cost one node, not one per outlet. A claim with
-- fewer than two terms links with nothing and is a node of its own. A node's label is its first
-- claim in publication order (the time written out so that text order is time order).
-- materialized: the terms (a regex split per claim) are the costliest step, computed once; the
-- term key is text (terms are alphanumeric words, so a space joins them unambiguously), which
-- partitions and sorts faster than a list
labelled as materialized (
    select
        *,
        len(terms) >= 2 as is_linkable,
        array_to_string(list_sort(terms), ' ') as term_key,
        -- no time sorts last, as first(... order by published_at) puts it
        coalesce(strftime(published_at, '%Y-%m-%d %H:%M:%S.%f'), '9999') || '|' || claim_id as claim_label
    from claims
),

runs as (
    select
        *,
        date_diff('second', lag(published_at) over term_order, published_at) as seconds_since_previous
    from labelled
    where is_linkable
    window term_order as (partition by speaker_key, term_key order by published_at, claim_id)
),

run_numbers as (
    select
        *,
        sum(
            case
                when
                    seconds_since_previous is null
                    or seconds_since_previous > {{ var('claim_cluster_max_days') }} * 86400
                    then 1
                else 0
            end
        ) over (
            partition by speaker_key, term_key
            order by published_at, claim_id
            rows between unbounded preceding and current row
        ) as run_number
    from runs
),

claim_nodes as (
    select
        claim_id,
        min(claim_label) over (partition by speaker_key, term_key, run_number) as node_label
    from run_numbers
),

nodes as (
    select
        min(claim_label) as node_label,
        any_value(speaker_key) as speaker_key,
        any_value(terms) as terms,
        min(published_at) as first_at,
        max(published_at) as last_at
    from run_numbers
    group by speaker_key, term_key, run_number
),

-- (2) edges between nodes of one speaker: two nodes hold a pair of claims at most
-- claim_cluster_max_days apart exactly when their time spans, widened by that, overlap (no node
-- has a gap wider than that inside), and their terms agree as two claims' must
edges as (
    select
        one.node_label as from_label,
        other.node_label as to_label
    from nodes as one
    inner join nodes as other
        on
            one.speaker_key = other.speaker_key
            and one.node_label <> other.node_label
            and date_diff('second', one.last_at, other.first_at) <= {{ var('claim_cluster_max_days') }} * 86400
            and date_diff('second', other.last_at, one.first_at) <= {{ var('claim_cluster_max_days') }} * 86400
    where
        len(list_intersect(one.terms, other.terms)) >= 2
        and len(list_intersect(one.terms, other.terms))
        >= {{ var('claim_cluster_min_overlap') }} * least(len(one.terms), len(other.terms))
),

-- (3) clusters: the connected groups of nodes, each labelled with its least node label
{{ connected_components('components', 'nodes', 'node_label', 'component_label', 'edges', 'from_label', 'to_label') }},

clusters as (
    select
        claim_nodes.claim_id,
        substr(components.component_label, strpos(components.component_label, '|') + 1) as first_claim_id
    from claim_nodes
    inner join components on claim_nodes.node_label = components.node_label
    union all
    select
        claim_id,
        claim_id as first_claim_id
    from labelled
    where not is_linkable
),

final as (
    select
        labelled.claim_id,
        labelled.article_id,
        labelled.speaker_key,
        labelled.published_at,
        labelled.terms,
        {{ short_hash(['labelled.speaker_key', 'clusters.first_claim_id']) }} as claim_cluster_id
    from labelled
    inner join clusters on labelled.claim_id = clusters.claim_id
)

select * from final
