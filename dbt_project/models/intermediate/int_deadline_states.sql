-- One row per reported state of a deadline. Reports (one per deadline and article: its most
-- decisive mention) are taken in report order; a state is (due_start, due_end, reported_status)
-- and a new one starts whenever a report changes it. Only report time orders anything, so a corpus
-- replayed in one run yields the same states as the same corpus fed over many runs.
with

mentions as (
    select * from {{ ref('int_deadline_mentions_clustered') }}
    where is_state_bearing
),

-- what one article says about one deadline: a cancellation beats a postponement beats a plain
-- date; among equals the latest date, then the last in the text
ranked as (
    select
        *,
        row_number() over (
            partition by deadline_id, article_id
            order by
                case status_cue when 'cancelled' then 2 when 'postponed' then 1 else 0 end desc,
                due_start desc,
                due_end desc,
                start_char desc,
                timex_id
        ) as rank_in_article
    from mentions
),

reports as (
    select * exclude (rank_in_article)
    from ranked
    where rank_in_article = 1
),

sequenced as (
    select
        *,
        lag(due_start) over report_order as previous_due_start,
        lag(due_end) over report_order as previous_due_end
    from reports
    window report_order as (partition by deadline_id order by reported_at, article_id)
),

classified as (
    select
        *,
        case
            when status_cue = 'cancelled' then 'cancelled'
            -- postponed with no new date: the report repeats the dates already known (or is the first)
            when status_cue = 'postponed'
                and (
                    previous_due_start is null
                    or (due_start = previous_due_start and due_end = previous_due_end)
                )
                then 'postponed'
            -- a plain date, a confirmation, or a postponement to a new date
            else 'scheduled'
        end as reported_status
    from sequenced
),

changes as (
    select
        *,
        case
            when lag(reported_status) over report_order is distinct from reported_status
                or lag(due_start) over report_order is distinct from due_start
                or lag(due_end) over report_order is distinct from due_end
                then 1
            else 0
        end as is_new_state
    from classified
    window report_order as (partition by deadline_id order by reported_at, article_id)
),

numbered as (
    select
        *,
        sum(is_new_state) over (
            partition by deadline_id
            order by reported_at, article_id
            rows between unbounded preceding and current row
        ) as state_number
    from changes
),

states as (
    select
        deadline_id,
        state_number,
        any_value(due_start) as due_start,
        any_value(due_end) as due_end,
        any_value(reported_status) as reported_status,
        first(precision order by reported_at, article_id) as precision,
        min(reported_at) as valid_from,
        first(article_id order by reported_at, article_id) as article_id,
        max(reported_at) as last_reported_at,
        count(*) as report_count
    from numbered
    group by deadline_id, state_number
),

final as (
    select
        {{ short_hash(['deadline_id', 'state_number']) }} as deadline_state_id,
        deadline_id,
        cast(state_number as integer) as state_number,
        due_start,
        due_end,
        precision,
        reported_status,
        -- the status as it stood when reported (fct_deadlines re-evaluates the current one on as_of)
        {{ deadline_status('reported_status', 'due_start', 'due_end', 'cast(valid_from as date)') }} as status,
        valid_from,
        lead(valid_from) over (partition by deadline_id order by state_number) as valid_to,
        state_number = max(state_number) over (partition by deadline_id) as is_current,
        article_id,
        last_reported_at,
        report_count
    from states
)

select * from final
