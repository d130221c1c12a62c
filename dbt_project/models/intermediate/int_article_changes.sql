{{ config(materialized='table') }}
-- The articles an incremental run recomputes: every visible article whose digest (its visible
-- entry versions, and for each the extractor version and row count of its extractions) differs
-- from the digest the last complete build recorded in int_article_digests, and every article that
-- build had but that is no longer visible. Each row carries what the last build derived from the
-- article (its publication date, event families, claim speakers), so that a model partitioned by
-- those keys can empty the partitions the article left. On a full refresh, or before any build,
-- every visible article is new.
{%- set digests = none -%}
{%- if execute and not flags.FULL_REFRESH -%}
    {%- set digests = adapter.get_relation(this.database, this.schema, 'int_article_digests') -%}
{%- endif %}
with

visible as (
    select * from {{ ref('int_entries_visible') }}
),

extracted as (
    select
        article_id,
        content_hash,
        extractor_version
    from {{ ref('stg_extract__mentions') }}
    union all
    select
        article_id,
        content_hash,
        extractor_version
    from {{ ref('stg_extract__claims') }}
    union all
    select
        article_id,
        content_hash,
        extractor_version
    from {{ ref('stg_extract__time_expressions') }}
),

extractions as (
    select
        article_id,
        content_hash,
        max(extractor_version) as extractor_version,
        count(*) as row_count
    from extracted
    group by article_id, content_hash
),

current_digests as (
    select
        visible.article_id,
        md5(string_agg(
            concat_ws(':', visible.entry_version_id, extractions.extractor_version, extractions.row_count),
            ',' order by visible.entry_version_id
        )) as source_digest
    from visible
    left join extractions
        on
            visible.article_id = extractions.article_id
            and visible.content_hash = extractions.content_hash
    group by visible.article_id
),

previous_digests as (
    {%- if digests is not none %}
    select
        article_id,
        source_digest,
        published_date,
        event_families,
        speaker_keys
    from {{ digests }}
    {%- else %}
        select
            cast(null as varchar) as article_id,
            cast(null as varchar) as source_digest,
            cast(null as date) as published_date,
            cast([] as varchar []) as event_families,
            cast([] as varchar []) as speaker_keys
        where false
    {%- endif %}
),

final as (
    select
        coalesce(current_digests.article_id, previous_digests.article_id) as article_id,
        current_digests.source_digest,
        current_digests.article_id is null as is_removed,
        previous_digests.article_id is null as is_new,
        previous_digests.published_date as published_date_before,
        coalesce(previous_digests.event_families, []) as event_families_before,
        coalesce(previous_digests.speaker_keys, []) as speaker_keys_before
    from current_digests
    full outer join previous_digests on current_digests.article_id = previous_digests.article_id
    where current_digests.source_digest is distinct from previous_digests.source_digest
)

select * from final
