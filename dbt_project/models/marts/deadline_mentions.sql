-- Every time expression in the latest article versions, past or future, with its deadline.
with

mentions as (
    select * from {{ ref('int_deadline_mentions_clustered') }}
),

final as (
    select
        timex_id,
        deadline_id,
        article_id,
        surface,
        due_start,
        due_end,
        precision,
        is_future,
        event_label,
        location,
        status_cue,
        sentence,
        published_at,
        reported_at
    from mentions
)

select * from final
