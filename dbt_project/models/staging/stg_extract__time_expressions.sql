-- extract.time_expressions renamed and typed: one resolved time expression in one article version.
-- Labels, places and cues are normalized (trimmed, empty as null; label and cue lower-cased) so
-- that clustering can compare them.
with

source as (
    select * from {{ source('extract', 'time_expressions') }}
),

renamed as (
    select
        timex_id,
        article_id,
        content_hash,
        surface,
        is_future,
        start_char,
        end_char,
        sentence,
        extractor_version,
        cast(due_start as date) as due_start,
        cast(due_end as date) as due_end,
        lower(precision) as precision,
        lower(nullif(trim(event_label), '')) as event_label,
        nullif(trim(location), '') as location,
        lower(nullif(trim(status_cue), '')) as status_cue
    from source
)

select * from renamed
