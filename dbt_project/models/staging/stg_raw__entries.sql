-- raw.entries renamed and typed: one row per entry version as a feed gave it, less the ones the
-- quality gates quarantined (quality.quarantined).
with

source as (
    select * from {{ source('raw', 'entries') }}
    where {{ not_quarantined('raw.entries', 'entry_version_id') }}
),

renamed as (
    select
        entry_version_id,
        feed_id,
        entry_key,
        article_id,
        canonical_url,
        url as entry_url,
        guid,
        content_html,
        content_text,
        content_hash,
        published_at_source,
        fetch_id,
        archive_sha256,
        nullif(trim(title), '') as title,
        nullif(trim(author), '') as author,
        -- raw already falls back to updated, then first seen; the coalesce only guards a null
        cast(coalesce(published_at, updated_at, first_seen_at) as timestamp) as published_at,
        cast(updated_at as timestamp) as updated_at,
        cast(first_seen_at as timestamp) as first_seen_at
    from source
)

select * from renamed
