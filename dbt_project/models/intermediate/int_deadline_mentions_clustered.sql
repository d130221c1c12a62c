-- Every time expression of the latest article versions, with the scheduled event (deadline_id) it
-- belongs to. Future expressions with an event label are clustered by (event label, location),
-- split where consecutive due dates are more than 21 days apart, and re-joined where a postponement
-- links a new date to the event reported before it. Past expressions are linked to a deadline of
-- the same event whose reported dates overlap theirs, or left unlinked.
with recursive

time_expressions as (
    select * from {{ ref('stg_extract__time_expressions') }}
),

latest_versions as (
    select * from {{ ref('int_article_versions') }}
    where is_latest
),

scoped as (
    select
        time_expressions.*,
        latest_versions.article_published_at as published_at,
        latest_versions.reported_at,
        case
            when time_expressions.event_label is not null
                then time_expressions.event_label || '|' || coalesce(lower(time_expressions.location), '')
        end as event_key
    from time_expressions
    inner join latest_versions
        on time_expressions.article_id = latest_versions.article_id
        and time_expressions.content_hash = latest_versions.content_hash
),

-- future, labelled expressions are the reports that carry a deadline's state
candidates as (
    select * from scoped
    where is_future and event_key is not null
),

due_gaps as (
    select
        *,
        date_diff(
            'day',
            lag(due_start) over (partition by event_key order by due_start, reported_at, timex_id),
            due_start
        ) as days_since_previous_due
    from candidates
),

-- islands of due dates: a gap of more than 21 days starts another event
islands as (
    select
        *,
        event_key || '#' || sum(
            case when days_since_previous_due is null or days_since_previous_due > 21 then 1 else 0 end
        ) over (
            partition by event_key
            order by due_start, reported_at, timex_id
            rows between unbounded preceding and current row
        ) as island_id
    from due_gaps
),

in_report_order as (
    select
        *,
        lag(island_id) over (
            partition by event_key
            order by reported_at, article_id, start_char, timex_id
        ) as previous_report_island_id
    from islands
),

-- a postponement ties its date to the event reported just before it, and to the other dates of
-- the same event in the same article ("set for Jan. 10, moved to Feb. 14")
bridges as (
    select island_id, previous_report_island_id as linked_island_id
    from in_report_order
    where status_cue = 'postponed' and previous_report_island_id is not null
    union
    select postponed.island_id, same_article.island_id
    from islands as postponed
    inner join islands as same_article
        on postponed.article_id = same_article.article_id
        and postponed.event_key = same_article.event_key
    where postponed.status_cue = 'postponed'
),

edges as (
    select island_id as from_island_id, linked_island_id as to_island_id
    from bridges where island_id <> linked_island_id
    union
    select linked_island_id, island_id
    from bridges where island_id <> linked_island_id
),

reachable (island_id, reached_island_id) as (
    select distinct island_id, island_id from islands
    union
    select reachable.island_id, edges.to_island_id
    from reachable
    inner join edges on reachable.reached_island_id = edges.from_island_id
),

components as (
    select island_id, min(reached_island_id) as component_id
    from reachable
    group by island_id
),

clustered as (
    select islands.*, components.component_id
    from islands
    inner join components on islands.island_id = components.island_id
),

-- the id is a stable text key of the event and the first due date reported for it
first_reports as (
    select
        component_id,
        first(event_label order by reported_at, article_id, start_char, timex_id) as event_label,
        first(lower(location) order by reported_at, article_id, start_char, timex_id) as location_key,
        first(due_start order by reported_at, article_id, start_char, timex_id) as first_due_start
    from clustered
    group by component_id
),

deadline_ids as (
    select
        component_id,
        {{ short_hash(['event_label', 'location_key', 'first_due_start']) }} as deadline_id
    from first_reports
),

candidate_links as (
    select clustered.timex_id, clustered.event_key, clustered.due_start, clustered.due_end, deadline_ids.deadline_id
    from clustered
    inner join deadline_ids on clustered.component_id = deadline_ids.component_id
),

-- a past expression ("the talks held on Jan. 10") belongs to the deadline of the same event whose
-- reported dates overlap its own; the nearest one when several do
past_links as (
    select
        scoped.timex_id,
        candidate_links.deadline_id,
        row_number() over (
            partition by scoped.timex_id
            order by abs(date_diff('day', candidate_links.due_start, scoped.due_start)), candidate_links.deadline_id
        ) as link_rank
    from scoped
    inner join candidate_links
        on scoped.event_key = candidate_links.event_key
        and candidate_links.due_start <= scoped.due_end
        and scoped.due_start <= candidate_links.due_end
    where not scoped.is_future
),

final as (
    select
        scoped.timex_id,
        coalesce(candidate_links.deadline_id, past_links.deadline_id) as deadline_id,
        candidate_links.timex_id is not null as is_state_bearing,
        scoped.article_id,
        scoped.content_hash,
        scoped.surface,
        scoped.due_start,
        scoped.due_end,
        scoped.precision,
        scoped.is_future,
        scoped.event_label,
        scoped.location,
        scoped.status_cue,
        scoped.start_char,
        scoped.end_char,
        scoped.sentence,
        scoped.published_at,
        scoped.reported_at,
        scoped.extractor_version
    from scoped
    left join candidate_links on scoped.timex_id = candidate_links.timex_id
    left join past_links on scoped.timex_id = past_links.timex_id and past_links.link_rank = 1
)

select * from final
