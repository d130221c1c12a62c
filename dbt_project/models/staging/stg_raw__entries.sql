-- Entry versions as the feeds gave them, held back when published (or edited) after as_of.
with

source as (
    select * from {{ source('raw', 'entries') }}
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
        nullif(trim(title), '') as title,
        nullif(trim(author), '') as author,
        content_html,
        content_text,
        content_hash,
        cast(coalesce(published_at, updated_at, first_seen_at) as timestamp) as published_at,
        published_at_source,
        cast(updated_at as timestamp) as updated_at,
        cast(first_seen_at as timestamp) as first_seen_at,
        fetch_id,
        archive_sha256
    from source
),

final as (
    select *
    from renamed
    -- A replay at as_of sees only what had been published, or edited, by then.
    where published_at <= {{ as_of_timestamp() }}
        and (updated_at is null or updated_at <= {{ as_of_timestamp() }})
)

select * from final
