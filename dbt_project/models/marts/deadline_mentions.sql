-- depends_on: {{ ref('int_article_changes') }}
-- Every time expression in the latest article versions, past or future, with its deadline.
-- Incremental: the changed articles, and every article with a mention in an event family they
-- touch (re-clustering may give those mentions another deadline), are recomputed whole.
with

time_expressions as (
    select * from {{ ref('stg_extract__time_expressions') }}
),

latest_versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest
),

clustered as (
    select * from {{ ref('int_deadline_mentions_clustered') }}
),

{%- if is_incremental() %}

changed_families as (
    {{ changed_partitions('clustered', 'event_family', 'unnest(event_families_before)') }}
),

scope_articles as (
    select article_id from {{ ref('int_article_changes') }}
    union
    select clustered.article_id from clustered
    where clustered.event_family in (select changed_families.event_family from changed_families)
),
{%- endif %}

final as (
    select
        time_expressions.timex_id,
        clustered.deadline_id,
        time_expressions.article_id,
        time_expressions.surface,
        time_expressions.due_start,
        time_expressions.due_end,
        time_expressions.precision,
        time_expressions.is_future,
        time_expressions.event_label,
        time_expressions.location,
        time_expressions.status_cue,
        time_expressions.sentence,
        latest_versions.article_published_at as published_at,
        latest_versions.reported_at
    from time_expressions
    inner join latest_versions
        on
            time_expressions.article_id = latest_versions.article_id
            and time_expressions.content_hash = latest_versions.content_hash
    left join clustered on time_expressions.timex_id = clustered.timex_id
    {%- if is_incremental() %}
    where time_expressions.article_id in (select scope_articles.article_id from scope_articles)
    {%- endif %}
)

select * from final
