-- depends_on: {{ ref('int_article_changes') }}
-- Every time expression with an event label in the latest article versions, ready for deadline
-- clustering: its event family (label synonyms share one), its place as a key, its report time,
-- and the people and organizations named in its sentence (the actors it shares with other reports).
with

time_expressions as (
    select * from {{ ref('stg_extract__time_expressions') }}
    where event_label is not null
),

latest_versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest and {{ changed_articles() }}
),

mentions as (
    select * from {{ ref('stg_extract__mentions') }}
),

actors as (
    select * from {{ ref('stg_extract__actors') }}
),

located as (
    select
        time_expressions.*,
        latest_versions.article_published_at as published_at,
        latest_versions.reported_at,
        {{ event_family('time_expressions.event_label') }} as event_family,
        lower(time_expressions.location) as location_key,
        -- the sentence's offset in the text: the expression's offset less its offset in the sentence
        time_expressions.start_char - greatest(strpos(time_expressions.sentence, time_expressions.surface) - 1, 0)
            as sentence_start
    from time_expressions
    inner join latest_versions
        on
            time_expressions.article_id = latest_versions.article_id
            and time_expressions.content_hash = latest_versions.content_hash
),

-- countries and anonymous sources are named in nearly every report: they tell events apart poorly
sentence_actors as (
    select
        located.timex_id,
        list(distinct mentions.actor_id order by mentions.actor_id) as actor_ids
    from located
    inner join mentions
        on
            located.article_id = mentions.article_id
            and located.content_hash = mentions.content_hash
            and located.sentence_start <= mentions.start_char
            and mentions.start_char < located.sentence_start + length(located.sentence)
    inner join actors on mentions.actor_id = actors.actor_id
    where actors.actor_type in ('person', 'organization', 'group')
    group by located.timex_id
),

final as (
    select
        located.timex_id,
        located.article_id,
        located.content_hash,
        located.event_family,
        located.event_label,
        located.location,
        located.location_key,
        located.surface,
        located.due_start,
        located.due_end,
        located.precision,
        located.is_future,
        located.status_cue,
        located.start_char,
        located.sentence,
        located.published_at,
        located.reported_at,
        located.extractor_version,
        coalesce(sentence_actors.actor_ids, []) as sentence_actor_ids
    from located
    left join sentence_actors on located.timex_id = sentence_actors.timex_id
)

select * from final
