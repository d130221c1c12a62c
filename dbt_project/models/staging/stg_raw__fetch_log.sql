-- Fetch attempts up to as_of.
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
        error is null as is_success,
        bytes as byte_count,
        etag,
        last_modified,
        duration_ms,
        archive_sha256,
        cast(fetched_at as timestamp) as fetched_at,
        entries_seen,
        entries_new,
        entries_unchanged,
        entries_quarantined,
        bozo_reason
    from source
),

final as (
    select * from renamed
    where fetched_at <= {{ as_of_timestamp() }}
)

select * from final
