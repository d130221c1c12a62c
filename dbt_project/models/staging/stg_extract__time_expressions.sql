-- Resolved time expressions of the article versions visible at as_of. Labels, places and cues are
-- normalized (trimmed, empty as null; label and cue lower-cased) so that clustering can compare them.
with

source as (
    select * from {{ source('extract', 'time_expressions') }}
),

visible_versions as (
    select distinct article_id, content_hash from {{ ref('stg_raw__entries') }}
),

renamed as (
    select
        timex_id,
        article_id,
        content_hash,
        surface,
        cast(due_start as date) as due_start,
        cast(due_end as date) as due_end,
        lower(precision) as precision,
        is_future,
        lower(nullif(trim(event_label), '')) as event_label,
        nullif(trim(location), '') as location,
        lower(nullif(trim(status_cue), '')) as status_cue,
        start_char,
        end_char,
        sentence,
        extractor_version
    from source
),

final as (
    select renamed.*
    from renamed
    semi join visible_versions using (article_id, content_hash)
)

select * from final
