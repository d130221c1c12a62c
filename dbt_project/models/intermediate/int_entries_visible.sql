{{ config(materialized='view') }}
-- Entry versions visible at as_of: published, and edited, by the run's clock. A replay at as_of
-- sees only what a live poll at that instant could have seen; the rest waits in raw.
with

entries as (
    select * from {{ ref('stg_raw__entries') }}
),

final as (
    select *
    from entries
    where
        published_at <= {{ as_of_timestamp() }}
        and (updated_at is null or updated_at <= {{ as_of_timestamp() }})
)

select * from final
