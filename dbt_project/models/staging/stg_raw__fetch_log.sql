-- raw.fetch_log renamed and typed: one row per fetch attempt.
with

source as (
    select * from {{ source('raw', 'fetch_log') }}
),

renamed as (
    select
        fetch_id,
        run_id,
        feed_id,
        url as feed_url,
        http_status,
        error,
        bytes as byte_count,
        etag,
        last_modified,
        duration_ms,
        archive_sha256,
        entries_seen,
        entries_new,
        entries_new_version,
        entries_unchanged,
        entries_quarantined,
        bozo_reason,
        error is null as is_success,
        cast(fetched_at as timestamp) as fetched_at
    from source
)

select * from renamed
