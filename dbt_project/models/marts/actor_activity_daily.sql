{{ config(scope_key='day', scope_before='published_date_before') }}
-- depends_on: {{ ref('int_article_changes') }}
-- Actor x day (UTC date of the article's publication): mentions, claims made, claims relayed.
-- Incremental: the days of the changed articles, before and after the change, are recomputed whole.
with

appearances as (
    select * from {{ ref('int_actor_appearances') }}
),

{%- if is_incremental() %}

changed_days as (
    {{ changed_partitions('appearances', 'activity_date') }}
),
{%- endif %}

final as (
    select
        actor_id,
        activity_date as day,
        cast(sum(mention_count) as bigint) as mentions,
        cast(sum(claim_count) as bigint) as claims,
        cast(sum(relay_count) as bigint) as relayed_claims,
        cast(count(*) as bigint) as articles,
        min(published_at) as first_seen_at,
        max(published_at) as last_seen_at
    from appearances
    {%- if is_incremental() %}
    where activity_date in (select changed_days.activity_date from changed_days)
    {%- endif %}
    group by actor_id, activity_date
)

select * from final
