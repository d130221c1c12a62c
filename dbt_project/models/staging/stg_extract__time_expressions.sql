-- extract.time_expressions renamed and typed: one resolved time expression in one article version.
-- The quality gates' quarantined rows, and the rows of a quarantined article version, are left out.
-- Labels, places and cues are normalized (trimmed, empty as null; label and cue lower-cased) so
-- that clustering can compare them.
with

held_versions as (
    {{ quarantined_versions() | indent(4) }}
),

source as (
    select * from {{ source('extract', 'time_expressions') }} as time_expressions
    where
        {{ not_quarantined('extract.time_expressions', 'timex_id') }}
        and not exists (
            select 1 from held_versions
            where
                held_versions.article_id = time_expressions.article_id
                and held_versions.content_hash = time_expressions.content_hash
        )
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
