{{ config(scope_key='event_family', scope_before='unnest(event_families_before)') }}
-- depends_on: {{ ref('int_article_changes') }}
-- One row per reported state of a deadline. Each article that reports the deadline is one report;
-- reports are walked in report order (report time, then article id) and each either changes the
-- state in force or confirms it. Only report time orders anything, so a corpus replayed in one run
-- yields the same states as the same corpus fed over many runs. The rules are in _intermediate.yml.
with recursive

mentions as (
    select * from {{ ref('int_deadline_mentions_clustered') }}
    where
        is_state_bearing
    {%- if is_incremental() %}
        and event_family in ({{ changed_partitions(ref('int_deadline_mentions_clustered')) }})
        {%- endif %}
),

ranked_mentions as (
    select
        *,
        {{ precision_rank('precision') }} as precision_rank,
        min({{ precision_rank('precision') }}) over (partition by deadline_id, article_id) as finest_rank,
        max(due_start) over (partition by deadline_id, article_id, precision) as latest_start
    from mentions
),

-- what one article says about the deadline, from its most precise mentions: the latest date when
-- it reports a postponement (the date moved to), else the span of its dates
reports as (
    select
        deadline_id,
        article_id,
        any_value(event_family) as event_family,
        any_value(reported_at) as reported_at,
        any_value(precision) filter (where precision_rank = finest_rank) as precision,
        bool_or(status_cue = 'cancelled') as is_cancelled,
        bool_or(status_cue = 'postponed') and not bool_or(status_cue = 'cancelled') as is_postponed,
        bool_or(status_cue = 'confirmed') as is_confirmed,
        count(distinct due_start) filter (where precision_rank = finest_rank) as date_count,
        min(due_start) filter (where precision_rank = finest_rank) as span_start,
        max(due_end) filter (where precision_rank = finest_rank) as span_end,
        max(due_start) filter (where precision_rank = finest_rank) as latest_start,
        max(due_end) filter (where precision_rank = finest_rank and due_start = latest_start) as latest_end
    from ranked_mentions
    group by deadline_id, article_id
),

sequenced as (
    select
        deadline_id,
        article_id,
        event_family,
        reported_at,
        precision,
        is_cancelled,
        is_postponed,
        is_confirmed,
        date_count,
        case when is_postponed then latest_start else span_start end as due_start,
        case when is_postponed then latest_end else span_end end as due_end,
        row_number() over (partition by deadline_id order by reported_at asc, article_id asc) as report_number
    from reports
),

-- noqa: disable=ST05
-- (a recursive step cannot name CTEs of its own: it compares the report with the state in force in
-- lateral subqueries)
-- the walk: the state in force after each report. state_change says what the report did:
-- announced (the first report), refined (a narrower date inside the one in force), moved (another
-- date), postponed (no new date), cancelled, reinstated (confirmed after a postponement or a
-- cancellation), or null (nothing new)
walk as (
    select
        deadline_id,
        report_number,
        article_id,
        reported_at,
        event_family,
        'announced' as state_change,
        due_start,
        due_end,
        precision,
        case
            when is_cancelled then 'cancelled'
            when is_postponed and date_count = 1 then 'postponed'
            else 'scheduled'
        end as reported_status,
        is_postponed and date_count > 1 as is_moved_into
    from sequenced
    where report_number = 1

    union all

    select
        report.deadline_id,
        report.report_number,
        report.article_id,
        report.reported_at,
        report.event_family,
        step.state_change,
        case when step_dates.takes_report_dates then report.due_start else walk.due_start end as due_start,
        case when step_dates.takes_report_dates then report.due_end else walk.due_end end as due_end,
        case when step_dates.takes_report_dates then report.precision else walk.precision end as precision,
        case step.state_change
            when 'cancelled' then 'cancelled'
            when 'postponed' then 'postponed'
            when 'moved' then 'scheduled'
            when 'refined' then walk.reported_status
            when 'reinstated' then 'scheduled'
            else walk.reported_status
        end as reported_status,
        case
            when step.state_change = 'moved' then true
            when step.state_change is null then walk.is_moved_into
            else false
        end as is_moved_into
    from walk
    inner join sequenced as report
        on
            walk.deadline_id = report.deadline_id
            and walk.report_number + 1 = report.report_number
    cross join
        lateral (
            select
                report.due_start = walk.due_start and report.due_end = walk.due_end as is_same,
                report.due_start >= walk.due_start and report.due_end <= walk.due_end as is_within,
                report.due_start <= walk.due_start and report.due_end >= walk.due_end as is_around
        ) as dates
    cross join
        lateral (
            select
                case
                    when report.is_cancelled
                        then case when walk.reported_status = 'cancelled' then null else 'cancelled' end
                    when report.is_postponed and dates.is_same
                        then case
                            when walk.reported_status = 'postponed' then null
                            -- "moved to Jan. 26" once more, after the move was reported
                            when walk.is_moved_into and walk.reported_status = 'scheduled' then null
                            else 'postponed'
                        end
                    when report.is_postponed and dates.is_around
                        then
                            case when walk.reported_status = 'postponed' then null else 'postponed' end
                    when report.is_postponed then 'moved'
                    when dates.is_same
                        then case
                            when report.is_confirmed and walk.reported_status <> 'scheduled' then 'reinstated'
                        end
                    -- a vaguer report than the date in force says nothing new
                    when dates.is_around then null
                    -- a narrower date: known better, not moved; a cancelled event stays cancelled
                    when dates.is_within
                        then case when walk.reported_status = 'scheduled' or report.is_confirmed then 'refined' end
                    else 'moved'
                end as state_change
        ) as step
    cross join
        lateral (
            select
                step.state_change in ('moved', 'refined')
                or (step.state_change = 'cancelled' and not dates.is_around) as takes_report_dates
        ) as step_dates
),
-- noqa: enable=ST05

changes as (
    select
        *,
        count(state_change) over (
            partition by deadline_id order by report_number rows between unbounded preceding and current row
        ) as state_number
    from walk
),

states as (
    select
        deadline_id,
        state_number,
        any_value(event_family) as event_family,
        first(state_change order by report_number) as state_change,
        first(due_start order by report_number) as due_start,
        first(due_end order by report_number) as due_end,
        first(precision order by report_number) as precision,
        first(reported_status order by report_number) as reported_status,
        first(article_id order by report_number) as article_id,
        min(reported_at) as valid_from,
        max(reported_at) as last_reported_at,
        count(*) as report_count
    from changes
    group by deadline_id, state_number
),

final as (
    select
        deadline_id,
        event_family,
        due_start,
        due_end,
        precision,
        reported_status,
        state_change,
        valid_from,
        article_id,
        last_reported_at,
        {{ short_hash(['deadline_id', 'state_number']) }} as deadline_state_id,
        cast(state_number as integer) as state_number,
        cast(report_count as bigint) as report_count,
        -- the status as it stood when reported (fct_deadlines re-evaluates the current one on as_of)
        {{ deadline_status('reported_status', 'due_start', 'due_end', 'cast(valid_from as date)') }} as status,
        lead(valid_from) over (partition by deadline_id order by state_number) as valid_to,
        state_number = max(state_number) over (partition by deadline_id) as is_current
    from states
)

select * from final
