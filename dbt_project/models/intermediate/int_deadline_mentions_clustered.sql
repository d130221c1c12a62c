{{ config(scope_key='event_family', scope_before='unnest(event_families_before)') }}
-- depends_on: {{ ref('int_article_changes') }}
-- Every labelled time expression of the latest article versions, with the scheduled event
-- (deadline_id) it belongs to. Clustering runs within an event family and never across families,
-- so an incremental run recomputes the families the changed articles touch, before and after the
-- change, whole. The steps are documented in _intermediate.yml.
-- The sqlfluff duckdb dialect cannot parse a recursive CTE `using key` (DuckDB 1.3+), used below for
-- connected components: the parse check is waived for this model, the other rules still hold elsewhere
with recursive -- noqa: PRS

all_candidates as (
    select * from {{ ref('int_deadline_candidates') }}
),

{%- if is_incremental() %}

changed_families as (
    {{ changed_partitions('all_candidates') }}
),
{%- endif %}

candidates as (
    select
        *,
        event_family || '|' || coalesce(location_key, '') as event_key,
        list_intersect(sentence_actor_ids, {{ event_bodies() }}) as body_ids
    from all_candidates
    {%- if is_incremental() %}
    where event_family in (select changed_families.event_family from changed_families)
    {%- endif %}
),

-- (1) anchors, future reports dated to the day: within an event key, anchors whose date ranges
-- overlap are one island
anchors as (
    select
        *,
        max(due_end) over (
            partition by event_key
            order by due_start, due_end, timex_id
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from candidates
    where is_future and precision = 'day'
),

anchor_islands as (
    select
        *,
        event_key || '#' || sum(case when reach_before is null or due_start > reach_before then 1 else 0 end) over (
            partition by event_key
            order by due_start, due_end, timex_id
            rows between unbounded preceding and current row
        ) as island_id
    from anchors
),

-- (2) a postponement joins its island to the other dates its article reports postponed (moved
-- from one to the other), and to the island of its key reported last before it that was still
-- pending then, the nearest date before its own when several were; never to a report of another
-- body (a council, an alliance, an organisation: sentences naming bodies, none in common)
postponements as (
    select * from anchor_islands
    where status_cue = 'postponed'
),

same_article_links as (
    select
        postponements.island_id,
        paired.island_id as linked_island_id
    from postponements
    inner join postponements as paired
        on
            postponements.article_id = paired.article_id
            and postponements.event_key = paired.event_key
            and {{ bodies_agree('postponements.body_ids', 'paired.body_ids') }}
),

previous_links as (
    select
        postponements.island_id,
        first(
            earlier.island_id
            order by earlier.reported_at desc, earlier.due_start desc, earlier.article_id desc, earlier.timex_id desc
        ) as linked_island_id
    from postponements
    inner join anchor_islands as earlier
        on
            postponements.event_key = earlier.event_key
            and postponements.reported_at > earlier.reported_at
            and cast(postponements.reported_at as date) <= earlier.due_end
            and postponements.due_start >= earlier.due_start
            and {{ bodies_agree('postponements.body_ids', 'earlier.body_ids') }}
    group by postponements.timex_id, postponements.island_id
),

links as (
    select
        island_id,
        linked_island_id
    from same_article_links
    union
    select
        island_id,
        linked_island_id
    from previous_links
),

edges as (
    select
        island_id as from_island_id,
        linked_island_id as to_island_id
    from links
    where island_id <> linked_island_id
    union
    select
        linked_island_id,
        island_id
    from links
    where island_id <> linked_island_id
),

-- connected islands: the least island id of each linked group is its event id
{{ connected_components(
    'island_events', 'anchor_islands', 'island_id', 'event_id', 'edges', 'from_island_id', 'to_island_id',
) }},

anchored as (
    select
        anchor_islands.*,
        island_events.event_id
    from anchor_islands
    inner join island_events on anchor_islands.island_id = island_events.island_id
),

-- an event's dates are those of its anchors; it shares the actors named in their sentences
anchor_events as (
    select
        event_id,
        any_value(event_family) as event_family,
        any_value(location_key) as location_key,
        min(due_start) as event_start,
        max(due_end) as event_end,
        min(reported_at) as first_reported_at,
        list_distinct(flatten(list(sentence_actor_ids))) as actor_ids
    from anchored
    group by event_id
),

-- (3) an event reported with no place joins the event of its family with a place whose dates
-- overlap its own: the only one, or the one that shares the most actors with it
merge_candidates as (
    select
        unplaced.event_id,
        placed.event_id as placed_event_id,
        len(list_intersect(unplaced.actor_ids, placed.actor_ids)) as shared_actor_count
    from anchor_events as unplaced
    inner join anchor_events as placed
        on
            unplaced.event_family = placed.event_family
            and unplaced.location_key is null
            and placed.location_key is not null
            and unplaced.event_end >= placed.event_start
            and unplaced.event_start <= placed.event_end
),

merge_choices as (
    {{ pick_one('merge_candidates', 'event_id', 'placed_event_id', 'placed_event_id asc') }}
),

merged_anchors as (
    select
        anchored.timex_id,
        coalesce(merge_choices.placed_event_id, anchored.event_id) as event_id
    from anchored
    left join merge_choices on anchored.event_id = merge_choices.event_id
),

merged_events as (
    select
        merged_anchors.event_id,
        any_value(anchored.event_family) as event_family,
        max(anchored.location_key) as location_key,
        min(anchored.due_start) as event_start,
        max(anchored.due_end) as event_end,
        min(anchored.reported_at) as first_reported_at,
        list_distinct(flatten(list(anchored.sentence_actor_ids))) as actor_ids
    from merged_anchors
    inner join anchored on merged_anchors.timex_id = anchored.timex_id
    group by merged_anchors.event_id
),

-- (4) a vaguer report (a week, a month...) joins an event of its family whose dates overlap its
-- range: with a place, an event of that place, the one reported first when several are; with no
-- place, the only such event or the one sharing the most actors with it. The others form events
-- of their own, by overlapping ranges.
coarse as (
    select * from candidates
    where is_future and precision <> 'day'
),

coarse_candidates as (
    select
        coarse.timex_id,
        coarse.location_key,
        merged_events.event_id,
        merged_events.first_reported_at,
        merged_events.event_start,
        len(list_intersect(coarse.sentence_actor_ids, merged_events.actor_ids)) as shared_actor_count
    from coarse
    inner join merged_events
        on
            coarse.event_family = merged_events.event_family
            and (coarse.location_key is null or coarse.location_key = merged_events.location_key)
            and coarse.due_end >= merged_events.event_start
            and coarse.due_start <= merged_events.event_end
),

coarse_links as (
    {{ pick_one(
        'coarse_candidates', 'timex_id', 'event_id',
        tie_order='first_reported_at asc, event_start asc, event_id asc', placed_wins=true,
    ) }}
),

unattached_coarse as (
    select
        coarse.*,
        max(coarse.due_end) over (
            partition by coarse.event_key
            order by coarse.due_start, coarse.due_end, coarse.timex_id
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from coarse
    anti join coarse_links on coarse.timex_id = coarse_links.timex_id
),

coarse_islands as (
    select
        timex_id,
        event_key || '~' || sum(case when reach_before is null or due_start > reach_before then 1 else 0 end) over (
            partition by event_key
            order by due_start, due_end, timex_id
            rows between unbounded preceding and current row
        ) as event_id
    from unattached_coarse
),

members as (
    select
        timex_id,
        event_id
    from merged_anchors
    union all
    select
        timex_id,
        event_id
    from coarse_links
    union all
    select
        timex_id,
        event_id
    from coarse_islands
),

state_bearing as (
    select
        candidates.*,
        members.event_id as final_event_id
    from candidates
    inner join members on candidates.timex_id = members.timex_id
),

-- an event's dates are those of its anchors, else of its vaguer reports
final_events as (
    select
        final_event_id,
        any_value(event_family) as event_family,
        max(location_key) as location_key,
        coalesce(min(due_start) filter (where precision = 'day'), min(due_start)) as event_start,
        coalesce(max(due_end) filter (where precision = 'day'), max(due_end)) as event_end,
        list_distinct(flatten(list(sentence_actor_ids))) as actor_ids,
        min(reported_at) as first_reported_at,
        first(due_start order by reported_at, article_id, start_char, timex_id) as first_due_start,
        first(timex_id order by reported_at, article_id, start_char, timex_id) as first_timex_id
    from state_bearing
    group by final_event_id
),

-- (5) the id: a stable key of the family, the place and the first date reported; should two
-- events share it, the later one adds its first report's expression id
event_ids as (
    select
        *,
        {{ short_hash(['event_family', "coalesce(location_key, '')", 'first_due_start']) }} as base_id,
        row_number() over (
            partition by event_family, location_key, first_due_start
            order by first_reported_at, first_timex_id
        ) as id_rank
    from final_events
),

deadline_ids as (
    select
        final_event_id,
        event_start,
        event_end,
        event_family,
        location_key,
        actor_ids,
        case
            when id_rank = 1 then base_id
            else {{ short_hash(['event_family', "coalesce(location_key, '')", 'first_due_start', 'first_timex_id']) }}
        end as deadline_id
    from event_ids
),

-- (6) a past report ("the talks held on Monday") is linked to the event of its family whose dates
-- overlap its own: of its place if it names one, else the only such event or the one sharing the
-- most actors with it
past_candidates as (
    select
        candidates.timex_id,
        candidates.location_key,
        deadline_ids.deadline_id,
        len(list_intersect(candidates.sentence_actor_ids, deadline_ids.actor_ids)) as shared_actor_count,
        abs(date_diff('day', deadline_ids.event_start, candidates.due_start)) as day_distance
    from candidates
    inner join deadline_ids
        on
            candidates.event_family = deadline_ids.event_family
            and candidates.due_end >= deadline_ids.event_start
            and candidates.due_start <= deadline_ids.event_end
            and (candidates.location_key is null or candidates.location_key = deadline_ids.location_key)
    where not candidates.is_future
),

past_links as (
    {{ pick_one(
        'past_candidates', 'timex_id', 'deadline_id', tie_order='day_distance asc, deadline_id asc', placed_wins=true,
    ) }}
),

final as (
    select
        candidates.timex_id,
        coalesce(deadline_ids.deadline_id, past_links.deadline_id) as deadline_id,
        deadline_ids.deadline_id is not null as is_state_bearing,
        candidates.event_family,
        candidates.article_id,
        candidates.content_hash,
        candidates.surface,
        candidates.due_start,
        candidates.due_end,
        candidates.precision,
        candidates.is_future,
        candidates.event_label,
        candidates.location,
        candidates.status_cue,
        candidates.start_char,
        candidates.sentence,
        candidates.published_at,
        candidates.reported_at,
        candidates.extractor_version
    from candidates
    left join state_bearing on candidates.timex_id = state_bearing.timex_id
    left join deadline_ids on state_bearing.final_event_id = deadline_ids.final_event_id
    left join past_links on candidates.timex_id = past_links.timex_id
)

select * from final
