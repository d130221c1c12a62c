{{ config(materialized='table') }}
-- One scheduled event merged across articles, in its current state, with its status on as_of.
-- A table rebuilt every run: the status moves with as_of even when no report arrives.
with

mentions as (
    select * from {{ ref('int_deadline_mentions_clustered') }}
    where deadline_id is not null
),

states as (
    select * from {{ ref('int_deadline_states') }}
),

current_states as (
    select * from states
    where is_current
),

state_counts as (
    select
        deadline_id,
        count(*) as state_count,
        count(*) filter (where state_change = 'moved') as revision_count
    from states
    group by deadline_id
),

-- the label most reports use (ties: the first reported), the place as first written
labels as (
    select
        deadline_id,
        event_label,
        count(*) as label_count,
        min(reported_at) as first_reported_at
    from mentions
    where is_state_bearing
    group by deadline_id, event_label
),

deadline_labels as (
    select
        deadline_id,
        first(event_label order by label_count desc, first_reported_at asc, event_label asc) as event_label
    from labels
    group by deadline_id
),

mention_stats as (
    select
        deadline_id,
        any_value(event_family) as event_family,
        first(location order by location is null, reported_at, article_id, start_char) as location,
        min(reported_at) as first_reported_at,
        max(reported_at) as last_reported_at,
        count(*) as mention_count,
        count(distinct article_id) as article_count
    from mentions
    group by deadline_id
),

final as (
    select
        current_states.deadline_id,
        deadline_labels.event_label,
        mention_stats.event_family,
        mention_stats.location,
        current_states.due_start,
        current_states.due_end,
        current_states.precision,
        mention_stats.first_reported_at,
        mention_stats.last_reported_at,
        current_states.valid_from as state_reported_at,
        current_states.article_id as state_article_id,
        deadline_labels.event_label || coalesce(' in ' || mention_stats.location, '') as label,
        {{ deadline_status(
            'current_states.reported_status',
            'current_states.due_start',
            'current_states.due_end',
            as_of_date()
        ) }} as status,
        cast(mention_stats.mention_count as bigint) as mention_count,
        cast(mention_stats.article_count as bigint) as article_count,
        cast(state_counts.revision_count as bigint) as revision_count,
        cast(state_counts.state_count as bigint) as state_count
    from current_states
    inner join mention_stats on current_states.deadline_id = mention_stats.deadline_id
    inner join deadline_labels on current_states.deadline_id = deadline_labels.deadline_id
    inner join state_counts on current_states.deadline_id = state_counts.deadline_id
)

select * from final
