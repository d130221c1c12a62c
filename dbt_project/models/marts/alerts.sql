{{ config(materialized='table') }}
-- One alert a story's rules draw from the marts: a deadline's reported state changed, a deadline
-- falls due, a watched actor made a claim with a watched cue, a feed kept failing. Everything here
-- is a function of report time (deadline_history, publication times) and of as_of, never of when a
-- run happened, so a replay gives the alerts a live run gave, with the same alert_id and fired_at.
-- pipelines/alerts.py queues the ones no earlier run queued and delivers them once.
with

rules as (
    select * from {{ ref('stg_extract__story_rules') }}
),

history as (
    select * from {{ ref('deadline_history') }}
    where valid_from <= {{ as_of_timestamp() }}
),

deadlines as (
    select * from {{ ref('fct_deadlines') }}
),

story_deadlines as (
    select * from {{ ref('int_story_deadlines') }}
),

articles as (
    select * from {{ ref('articles') }}
),

states as (
    select
        history.*,
        coalesce(deadlines.label, 'event') as deadline_name,  -- the label names the place already
        lag(history.due_start) over (partition by history.deadline_id order by history.state_number) as old_due_start,
        lag(history.due_end) over (partition by history.deadline_id order by history.state_number) as old_due_end,
        lag(history.status) over (partition by history.deadline_id order by history.state_number) as old_status
    from history
    left join deadlines on history.deadline_id = deadlines.deadline_id
),

changed as (
    select
        rules.story_id,
        rules.rule_id,
        rules.rule,
        states.deadline_id as subject,
        states.deadline_name || ': ' || states.state_change || case states.state_change
            when 'announced' then ' for ' || {{ date_span('states.due_start', 'states.due_end') }}
            when 'moved'
                then
                    ' from ' || {{ date_span('states.old_due_start', 'states.old_due_end') }}
                    || ' to ' || {{ date_span('states.due_start', 'states.due_end') }}
            else
                ' (was ' || {{ date_span('states.old_due_start', 'states.old_due_end') }} || ', '
                || coalesce(states.old_status, '?') || ')'
        end as message,
        states.article_id,
        states.valid_from as fired_at,
        states.state_change,
        cast(states.old_due_start as varchar) as old_value,
        cast(states.due_start as varchar) as new_value,
        states.old_status,
        states.status as new_status,
        cast(states.state_number as varchar) || '|' || states.state_change || '|'
        || cast(states.due_start as varchar) as state_key
    from rules
    inner join story_deadlines on rules.story_id = story_deadlines.story_id
    inner join states on story_deadlines.deadline_id = states.deadline_id
    where rules.rule = 'deadline_changed' and list_contains(rules.state_changes, states.state_change)
),

-- the instant a scheduled state came within N days of its start, if that happened while the state
-- was in force and by as_of: report time and the calendar, whichever run first saw it
due as (
    select
        rules.story_id,
        rules.rule_id,
        rules.rule,
        states.deadline_id as subject,
        states.deadline_name || ': due ' || {{ date_span('states.due_start', 'states.due_end') }}
        || ', within ' || cast(rules.within_days as varchar) || ' days' as message,
        states.article_id,
        greatest(states.valid_from, cast(states.due_start - to_days(rules.within_days) as timestamp)) as fired_at,
        'due' as state_change,
        cast(null as varchar) as old_value,
        cast(states.due_start as varchar) as new_value,
        cast(null as varchar) as old_status,
        states.status as new_status,
        cast(states.due_start as varchar) || '|' || cast(states.due_end as varchar) as state_key,
        states.state_number
    from rules
    inner join story_deadlines on rules.story_id = story_deadlines.story_id
    inner join states on story_deadlines.deadline_id = states.deadline_id
    where
        rules.rule = 'deadline_due'
        and states.status not in ('postponed', 'cancelled')
),

-- two states with the same dates (announced, cancelled, reinstated) can both fire at the same
-- instant: the earlier state, then the article, decides which one the alert cites, so two builds of
-- one database give the same row
due_in_force as (
    select due.* exclude (state_number)  -- noqa: RF02
    from due
    inner join states
        on
            due.subject = states.deadline_id and due.state_key = cast(states.due_start as varchar)
            || '|' || cast(states.due_end as varchar)
    where
        due.fired_at <= {{ as_of_timestamp() }}
        and due.fired_at < cast(states.due_end + 1 as timestamp)
        and due.fired_at >= states.valid_from
        and (states.valid_to is null or due.fired_at < states.valid_to)
    qualify row_number() over (
        partition by due.story_id, due.rule_id, due.subject, due.state_key
        order by due.fired_at asc, due.state_number asc, due.article_id asc
    ) = 1
),

claims as (
    select
        rules.story_id,
        rules.rule_id,
        rules.rule,
        claims.speaker_actor_id as subject,
        coalesce(claims.speaker_name, claims.speaker_actor_id) || ' (' || claims.cue_verb || '): '
        || claims.claim_text as message,
        claims.article_id,
        claims.published_at as fired_at,
        claims.cue_verb as state_change,
        cast(null as varchar) as old_value,
        claims.claim_text as new_value,
        cast(null as varchar) as old_status,
        cast(null as varchar) as new_status,
        claims.claim_id as state_key
    from rules
    inner join {{ ref('fct_claims') }} as claims
        on
            list_contains(rules.actor_ids, claims.speaker_actor_id)
            and list_contains(rules.cues, claims.cue_verb)
    inner join {{ ref('article_stories') }} as members
        on rules.story_id = members.story_id and claims.article_id = members.article_id and members.is_member
    where rules.rule = 'claim'
),

-- a run of consecutive failed fetches of one feed; fetch time is the only clock a failure has
fetches as (
    select
        *,
        count(*) filter (where is_success) over (partition by feed_id order by fetched_at, fetch_id) as streak
    from {{ ref('stg_raw__fetch_log') }}
    where fetched_at <= {{ as_of_timestamp() }}
),

failures as (
    select
        *,
        row_number() over (partition by feed_id, streak order by fetched_at, fetch_id) as failure_number,
        min(fetched_at) over (partition by feed_id, streak) as streak_started_at
    from fetches
    where not is_success
),

feed_failing as (
    select
        rules.story_id,
        rules.rule_id,
        rules.rule,
        failures.feed_id as subject,
        'feed ' || failures.feed_id || ' failed ' || cast(rules.polls as varchar) || ' polls in a row since '
        || strftime(failures.streak_started_at, '%Y-%m-%d %H:%M') || ': ' || failures.error as message,
        cast(null as varchar) as article_id,
        failures.fetched_at as fired_at,
        'failing' as state_change,
        cast(null as varchar) as old_value,
        failures.error as new_value,
        cast(null as varchar) as old_status,
        cast(null as varchar) as new_status,
        cast(failures.streak_started_at as varchar) as state_key
    from rules
    inner join failures on rules.polls = failures.failure_number
    where rules.rule = 'feed_failing'
),

fired as (
    select * from changed
    union all
    select * from due_in_force
    union all
    select * from claims
    union all
    select * from feed_failing
),

final as (
    select
        {{ short_hash(['fired.story_id', 'fired.rule_id', 'fired.subject', 'fired.state_key']) }} as alert_id,
        fired.story_id,
        fired.rule,
        fired.rule_id,
        fired.subject,
        fired.message,
        fired.article_id,
        fired.fired_at,
        fired.state_change,
        fired.old_value,
        fired.new_value,
        fired.old_status,
        fired.new_status,
        fired.state_key,
        case when fired.article_id is not null then [fired.article_id] else [] end as evidence_article_ids,
        coalesce(string_split(articles.feed_ids, ','), []) as evidence_outlets
    from fired
    left join articles on fired.article_id = articles.article_id
)

select * from final
