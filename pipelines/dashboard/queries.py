# Over 300 lines on purpose: one module, because the board and the bench look each query up by name (board.query).
"""Every query the dashboard runs, as plain functions of a read-only connection and an `as_of`.

Each returns a pandas DataFrame and reads only the published snapshot (schemas marts and quality),
so it is testable without Streamlit. `as_of` (naive UTC) is the instant the board is drawn at, on
report time: articles, claims and deadline reports published after it are left out, deadline
states are the ones valid at it, and statuses are computed against its date as fct_deadlines does
(macros/deadline_status.sql). `story_id` (optional) keeps what belongs to one story as the marts
define it: its member articles (marts.article_stories.is_member), the claims and mentions in them,
and the deadlines a member article reported (by `as_of`). Feed-derived text comes back as plain
text: the pages never render it as HTML.
"""

from __future__ import annotations

from datetime import date, datetime, time

import duckdb
import pandas as pd

# the run id starts with the run's as_of (pipelines.stages.new_run_id): results are placed on the run's clock
PAGE_ROWS = 200  # rows per page of the tables that page (claims, statements, an actor's rows, deadlines)
_RUN_AS_OF = "try_strptime(split_part(run_id, '-', 1), '%Y%m%dT%H%M%S')"


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _has(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, name]).fetchone()[0] > 0


def _iso(value) -> str:
    return pd.Timestamp(value).date().isoformat()


def end_of_day(day: date) -> datetime:
    """The last instant of a UTC day: the board 'as of a day' includes everything reported that day."""
    return datetime.combine(day, time(23, 59, 59, 999999))


def board_as_of(day: date, published_as_of: datetime | None) -> datetime:
    """The instant a chosen day stands for: its end, but never after the snapshot's own clock."""
    moment = end_of_day(day)
    return min(moment, published_as_of) if published_as_of is not None else moment


def safe_url(url: object) -> str | None:
    """The URL if it is http(s), else None: feed links are shown only when they cannot run script."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def _safe_links(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].map(safe_url)
    return frame


_MEMBERS = "(select article_id from marts.article_stories where story_id = $story_id and is_member)"
# deadlines inherit their articles' stories (as int_story_deadlines does), counting reports made by as_of
_STORY_DEADLINES = """(select m.deadline_id from marts.deadline_mentions m
    join marts.article_stories s on s.article_id = m.article_id
    where s.story_id = $story_id and s.is_member and m.deadline_id is not null and m.reported_at <= $as_of)"""


def _in_story(column: str, story_id: str | None) -> tuple[str, dict]:
    """An `and` clause keeping rows whose `column` is a member article of the story (none without one)."""
    if not story_id:
        return "", {}
    return f" and {column} in {_MEMBERS}", {"story_id": story_id}


def _deadline_in_story(column: str, story_id: str | None) -> tuple[str, dict]:
    """An `and` clause keeping deadlines that a member article of the story reported by $as_of."""
    if not story_id:
        return "", {}
    return f" and {column} in {_STORY_DEADLINES}", {"story_id": story_id}


# --- the snapshot itself -------------------------------------------------------------------------

def snapshot_info(con: duckdb.DuckDBPyConnection) -> dict:
    """The published run's clock, when it was published, and the span of the articles it holds."""
    published = con.execute(
        "select as_of, checked_at, run_id from quality.row_counts order by checked_at desc, as_of desc limit 1"
    ).fetchone()
    first, last, count = con.execute(
        "select min(published_at), max(published_at), count(*) from marts.articles").fetchone()
    as_of = published[0] if published else last
    return {"as_of": as_of, "published_at": published[1] if published else None,
            "run_id": published[2] if published else None,
            "first_article_at": first, "last_article_at": last, "article_count": count}


def stories(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The stories of the snapshot (stories issue): empty until marts.dim_stories is published."""
    if not _has(con, "marts", "dim_stories"):
        return pd.DataFrame(columns=["story_id", "name"])
    return _df(con, "select story_id, name from marts.dim_stories order by name")


def alerts(con: duckdb.DuckDBPyConnection, as_of: datetime, story_id: str | None = None,
           limit: int = 200) -> pd.DataFrame:
    """The alerts fired by `as_of` (report time), newest first: what fired, what changed, the evidence."""
    if not _has(con, "marts", "alerts"):
        return pd.DataFrame(columns=["fired_at", "story", "rule", "subject", "message", "what_changed",
                                     "outlets", "title", "url", "alert_id"])
    story_clause = "and a.story_id = $story_id" if story_id else ""
    frame = _df(con, f"""
        select a.fired_at, coalesce(s.name, a.story_id) as story, a.rule, a.subject, a.message,
               case
                   when a.rule = 'deadline_changed' then a.state_change
                       || case when a.old_value is distinct from a.new_value
                               then ': ' || coalesce(a.old_value || ' → ', '') || coalesce(a.new_value, '')
                               else '' end
                       || case when a.old_status is distinct from a.new_status and a.old_status is not null
                               then ' (' || a.old_status || ' → ' || a.new_status || ')' else '' end
                   when a.rule = 'deadline_due' then 'due ' || coalesce(a.new_value, '')
                   when a.rule = 'claim' then 'cue: ' || a.state_change
                   else a.state_change
               end as what_changed,
               array_to_string(a.evidence_outlets, ', ') as outlets, r.title, r.url, a.alert_id
        from marts.alerts a
        left join marts.dim_stories s using (story_id)
        left join marts.articles r on r.article_id = a.article_id
        where a.fired_at <= $as_of {story_clause}
        order by a.fired_at desc, a.alert_id
        limit {int(limit)}
    """, {"as_of": as_of, **({"story_id": story_id} if story_id else {})})
    return _safe_links(frame, "url")


# --- calendar -----------------------------------------------------------------------------------

# a state's window as text: a day, a whole calendar month, or a range
_WINDOW = """case
    when {t}.due_start = {t}.due_end then strftime({t}.due_start, '%Y-%m-%d')
    when day({t}.due_start) = 1 and {t}.due_end = last_day({t}.due_start) then strftime({t}.due_start, '%Y-%m')
    else strftime({t}.due_start, '%Y-%m-%d') || '..' || strftime({t}.due_end, '%Y-%m-%d')
end"""

# {where} keeps current states (the board's window, a story) before anything is counted: the other
# parts are computed for the shown deadlines only, not for every deadline of the snapshot
_DEADLINES_AS_OF = """
with current_states as (
    select * from marts.deadline_history
    where valid_from <= $as_of and (valid_to is null or valid_to > $as_of) and {where}
),
shown as (select deadline_id from current_states),
states as (
    select * from marts.deadline_history where valid_from <= $as_of and deadline_id in (select deadline_id from shown)
),
counts as (
    select
        deadline_id,
        count(*) as state_count,
        count(*) filter (where state_change = 'moved') as revision_count,
        list(""" + _WINDOW.format(t="states") + """ order by state_number) as reported_dates,
        list(due_start order by state_number) as state_starts
    from states
    group by deadline_id
),
-- the name as of then, as fct_deadlines names it now: the label most reports used (ties: the first
-- reported), the place as first written
labels as (
    select deadline_id, event_label, count(*) as label_count, min(reported_at) as first_at
    from marts.deadline_mentions
    where reported_at <= $as_of and deadline_id in (select deadline_id from shown)
      and is_future and event_label is not null
    group by deadline_id, event_label
),
names as (
    select deadline_id, first(event_label order by label_count desc, first_at, event_label) as event_label
    from labels group by deadline_id
),
places as (
    select deadline_id, first(location order by location is null, reported_at, article_id) as location
    from marts.deadline_mentions where reported_at <= $as_of and deadline_id in (select deadline_id from shown)
    group by deadline_id
),
reports as (
    select deadline_id, count(*) as mention_count, count(distinct article_id) as article_count,
           min(reported_at) as first_reported_at, max(reported_at) as last_reported_at
    from marts.deadline_mentions
    where reported_at <= $as_of and deadline_id in (select deadline_id from shown)
    group by deadline_id
)
select
    d.deadline_id,
    coalesce(n.event_label, d.event_label) || coalesce(' in ' || p.location, '') as label,
    p.location, d.event_family,
    s.due_start, s.due_end, s.precision,
    case
        when s.status in ('cancelled', 'postponed') then s.status
        when cast($as_of as date) < s.due_start then 'upcoming'
        when cast($as_of as date) <= s.due_end then 'due'
        else 'passed'
    end as status,
    s.state_change, s.valid_from as state_reported_at, s.article_id as state_article_id,
    coalesce(r.first_reported_at, s.valid_from) as first_reported_at, r.last_reported_at,
    coalesce(r.mention_count, 0) as mention_count, coalesce(r.article_count, 0) as article_count,
    c.revision_count, c.state_count, c.reported_dates, c.state_starts
from current_states s
join marts.fct_deadlines d using (deadline_id)
join counts c using (deadline_id)
left join reports r using (deadline_id)
left join names n using (deadline_id)
left join places p using (deadline_id)
"""


def _deadline_where(as_of: datetime, past_days: int | None, ahead_days: int | None, story_id: str | None,
                    deadline_ids: list[str] | None, short_only: bool) -> tuple[str, dict]:
    """The conditions on a current state (deadline_history) that keep the deadlines asked for."""
    where = ["true"]
    story, story_params = _deadline_in_story("deadline_id", story_id)
    where[0] += story
    params: dict = {"as_of": as_of, **story_params}
    if past_days is not None:
        where.append("due_end >= cast($as_of as date) - cast($past as integer)")
        params["past"] = past_days
    if ahead_days is not None:
        where.append("due_start <= cast($as_of as date) + cast($ahead as integer)")
        params["ahead"] = ahead_days
    if deadline_ids is not None and not deadline_ids:
        where.append("false")
    elif deadline_ids is not None:
        where.append("deadline_id in (select unnest($ids))")
        params["ids"] = list(deadline_ids)
    if short_only:  # a day or a week or so, not a month or a season; called off is not due
        where.append("due_end - due_start < 14 and status is distinct from 'cancelled'")
    return " and ".join(where), params


_CURRENT = "from marts.deadline_history where valid_from <= $as_of and (valid_to is null or valid_to > $as_of) and "


def _window_keys(con: duckdb.DuckDBPyConnection, where: str, params: dict, limit: int, offset: int):
    """The (due_start, due_end) of the page's first and last rows, and how many rows come before the first:
    the page's rows are among the states between those keys, so only they are counted and named."""
    keys = f"select due_start, due_end {_CURRENT}{where} order by due_start, due_end"
    low = con.execute(f"{keys} limit 1 offset {max(0, int(offset))}", params).fetchone()
    if low is None:
        return None
    high = con.execute(f"{keys} limit 1 offset {max(0, int(offset)) + max(1, int(limit)) - 1}", params).fetchone()
    below = con.execute(f"select count(*) {_CURRENT}{where} and (due_start < $low_start "
                        "or (due_start = $low_start and due_end < $low_end))",
                        {**params, "low_start": low[0], "low_end": low[1]}).fetchone()[0]
    return low, high, below


def deadlines(con: duckdb.DuckDBPyConnection, as_of: datetime, *, past_days: int | None = None,
              ahead_days: int | None = None, story_id: str | None = None, deadline_ids: list[str] | None = None,
              short_only: bool = False, limit: int | None = PAGE_ROWS, offset: int = 0) -> pd.DataFrame:
    """One page (by window, then label; `limit=None`: all) of the deadlines reported by `as_of`, each in
    its state at `as_of`, optionally only those whose window overlaps [as_of - past_days, as_of +
    ahead_days] or only the given ids; moved ones carry every date reported."""
    where, params = _deadline_where(as_of, past_days, ahead_days, story_id, deadline_ids, short_only)
    page = ""
    if limit is not None:
        keys = _window_keys(con, where, params, limit, offset)
        if keys is None:
            where, page = "false", ""
        else:
            (low_start, low_end), high, below = keys
            where += " and (due_start > $low_start or (due_start = $low_start and due_end >= $low_end))"
            params.update(low_start=low_start, low_end=low_end)
            if high is not None:
                where += " and (due_start < $high_start or (due_start = $high_start and due_end <= $high_end))"
                params.update(high_start=high[0], high_end=high[1])
            page = f" limit {max(0, int(limit))} offset {max(0, int(offset)) - below}"
    sql = _DEADLINES_AS_OF.replace("{where}", where) + " order by due_start, due_end, label, deadline_id" + page
    frame = _df(con, sql, params)
    frame["moved"] = frame["revision_count"] > 0
    frame["reported_dates"] = frame["reported_dates"].map(lambda dates: list(dict.fromkeys(dates)))
    frame["dates"] = frame["reported_dates"].map(" → ".join)
    # where a moved deadline stood before: the earlier dates the timeline marks
    frame["moved_from"] = [sorted({_iso(d) for d in starts} - {_iso(start)}) if moved else []
                           for starts, start, moved in zip(frame["state_starts"], frame["due_start"], frame["moved"])]
    return frame.drop(columns=["state_starts"])


def deadline_summary(con: duckdb.DuckDBPyConnection, as_of: datetime, *, past_days: int | None = None,
                     ahead_days: int | None = None, story_id: str | None = None,
                     short_only: bool = False) -> dict[str, int]:
    """How many deadlines `deadlines` pages through, and how many of them are upcoming, moved, called off."""
    where, params = _deadline_where(as_of, past_days, ahead_days, story_id, None, short_only)
    row = con.execute(f"""
        with shown as (select deadline_id, status, due_start {_CURRENT}{where}),
        moved as (
            select distinct deadline_id from marts.deadline_history
            where valid_from <= $as_of and state_change = 'moved' and deadline_id in (select deadline_id from shown)
        )
        select count(*),
               count(*) filter (where coalesce(status, '') not in ('cancelled', 'postponed')
                                  and cast($as_of as date) < due_start),
               count(*) filter (where deadline_id in (select deadline_id from moved)),
               count(*) filter (where status in ('cancelled', 'postponed'))
        from shown
    """, params).fetchone()
    return dict(zip(("total", "upcoming", "moved", "cancelled_or_postponed"), row))


def due_within(con: duckdb.DuckDBPyConnection, as_of: datetime, days: int = 7, *,
               story_id: str | None = None, limit: int | None = PAGE_ROWS, offset: int = 0) -> pd.DataFrame:
    """'What is due this week': deadlines with a window of two weeks or less that overlaps `as_of`'s day
    through the next `days` days, not cancelled (a month or a season is on the timeline, not here)."""
    return deadlines(con, as_of, past_days=0, ahead_days=days, story_id=story_id, short_only=True,
                     limit=limit, offset=offset)


def deadline_history(con: duckdb.DuckDBPyConnection, as_of: datetime, deadline_id: str) -> pd.DataFrame:
    """The states of one deadline reported by `as_of`, each with the report that established it."""
    frame = _df(con, """
        select h.state_number, h.state_change, h.due_start, h.due_end, h.precision, h.status,
               h.valid_from, case when h.valid_to <= $as_of then h.valid_to end as valid_to,
               a.title, a.url, a.feed_ids as outlets
        from marts.deadline_history h
        left join marts.articles a using (article_id)
        where h.deadline_id = $id and h.valid_from <= $as_of
        order by h.state_number
    """, {"as_of": as_of, "id": deadline_id})
    return _safe_links(frame, "url")


def deadline_reports(con: duckdb.DuckDBPyConnection, as_of: datetime, deadline_id: str) -> pd.DataFrame:
    """Every report of one deadline by `as_of`: when, what it said, the state in force, article and outlets."""
    frame = _df(con, """
        select m.reported_at, m.surface, m.due_start, m.due_end, m.status_cue, m.sentence,
               (select max(h.state_number) from marts.deadline_history h
                 where h.deadline_id = m.deadline_id and h.valid_from <= m.reported_at) as state_number,
               a.title, a.url, a.feed_ids as outlets
        from marts.deadline_mentions m
        left join marts.articles a using (article_id)
        where m.deadline_id = $id and m.reported_at <= $as_of
        order by m.reported_at, m.timex_id
    """, {"as_of": as_of, "id": deadline_id})
    return _safe_links(frame, "url")


def deadline_claims(con: duckdb.DuckDBPyConnection, as_of: datetime, deadline_id: str, *,
                    story_id: str | None = None) -> pd.DataFrame:
    """The claims made in the articles that report one deadline, by `as_of` (in the story's articles)."""
    story, story_params = _in_story("c.article_id", story_id)
    frame = _df(con, f"""
        select c.published_at, c.speaker_name, c.via_name, c.cue_verb, c.claim_type, c.claim_text,
               a.title, a.url, a.feed_ids as outlets
        from marts.fct_claims c
        join marts.articles a using (article_id)
        where c.published_at <= $as_of
          and c.article_id in (select article_id from marts.deadline_mentions
                               where deadline_id = $id and reported_at <= $as_of) {story}
        order by c.published_at, c.claim_id
    """, {"as_of": as_of, "id": deadline_id, **story_params})
    return _safe_links(frame, "url")


# --- claims -------------------------------------------------------------------------------------

def _page(limit: int | None, offset: int) -> str:
    """`limit ... offset ...` for one page of rows (both forced to non-negative integers; no limit: all)."""
    rows = "" if limit is None else f"limit {max(0, int(limit))} "
    return f"{rows}offset {max(0, int(offset))}"


def claim_options(con: duckdb.DuckDBPyConnection, as_of: datetime, *,
                  story_id: str | None = None) -> dict[str, list[str]]:
    """The values each claim filter offers: speakers, intermediaries, cues, types, outlets."""
    story, story_params = _in_story("c.article_id", story_id)
    # outlets: split the few distinct feed lists of the claims' articles, not every article's
    row = con.execute(f"""
        with visible as (select * from marts.fct_claims c where c.published_at <= $as_of {story}),
        feed_lists as (
            select distinct a.feed_ids from marts.articles a
            where a.published_at <= $as_of and a.article_id in (select article_id from visible)
        )
        select (select list(distinct speaker_name) filter (where speaker_name is not null) from visible),
               (select list(distinct via_name) filter (where via_name is not null) from visible),
               (select list(distinct cue_verb) from visible), (select list(distinct claim_type) from visible),
               (select list(distinct feed) filter (where feed is not null)
                from (select unnest(string_split(feed_ids, ',')) as feed from feed_lists))
    """, {"as_of": as_of, **story_params}).fetchone()
    keys = ("speaker", "via", "cue", "type", "outlet")
    return {key: sorted(values or []) for key, values in zip(keys, row)}


def _claim_filters(search: str | None, speakers, vias, cues, types, outlets, since: date | None,
                   until: date | None, story_id: str | None = None) -> tuple[str, dict]:
    story, story_params = _in_story("c.article_id", story_id)
    clauses: list[str] = [story.removeprefix(" and ")] if story else []
    params: dict[str, object] = dict(story_params)
    if search:
        clauses.append("(c.claim_text ilike $q or c.speaker_name ilike $q or c.via_name ilike $q "
                       "or c.sentence ilike $q)")
        params["q"] = f"%{search.strip()}%"
    for column, key, values in (("c.speaker_name", "speakers", speakers), ("c.via_name", "vias", vias),
                                ("c.cue_verb", "cues", cues), ("c.claim_type", "types", types)):
        if values:
            clauses.append(f"{column} in (select unnest(${key}))")
            params[key] = list(values)
    if outlets:
        clauses.append("len(list_intersect(string_split(a.feed_ids, ','), $outlets)) > 0")
        params["outlets"] = list(outlets)
    if since:
        clauses.append("cast(c.published_at as date) >= $since")
        params["since"] = since
    if until:
        clauses.append("cast(c.published_at as date) <= $until")
        params["until"] = until
    return "".join(f" and {c}" for c in clauses), params


def _needs_articles(where: str) -> bool:
    return "a." in where


def claims(con: duckdb.DuckDBPyConnection, as_of: datetime, *, search: str | None = None, speakers=(),
           vias=(), cues=(), types=(), outlets=(), since: date | None = None, until: date | None = None,
           story_id: str | None = None, limit: int | None = PAGE_ROWS, offset: int = 0) -> pd.DataFrame:
    """One page of the claims published by `as_of` matching the filters, newest first, with their source link."""
    where, params = _claim_filters(search, speakers, vias, cues, types, outlets, since, until, story_id)
    # the page is chosen from the claims alone; only its rows are joined to their articles
    source = ("(select c.* from marts.fct_claims c join marts.articles a using (article_id) "
              f"where c.published_at <= $as_of {where})" if _needs_articles(where) else
              f"(select * from marts.fct_claims c where c.published_at <= $as_of {where})")
    frame = _df(con, f"""
        with page as (select * from {source} order by published_at desc, claim_id {_page(limit, offset)})
        select c.published_at, c.speaker_name, c.via_name, c.cue_verb, c.claim_type, c.claim_text,
               c.is_direct_quote, a.feed_ids as outlets, a.title, a.url, c.claim_id, c.speaker_actor_id
        from page c
        join marts.articles a using (article_id)
        order by c.published_at desc, c.claim_id
    """, {"as_of": as_of, **params})
    return _safe_links(frame, "url")


def claim_count(con: duckdb.DuckDBPyConnection, as_of: datetime, *, search: str | None = None, speakers=(),
                vias=(), cues=(), types=(), outlets=(), since: date | None = None, until: date | None = None,
                story_id: str | None = None) -> int:
    """How many claims `claims` pages through."""
    where, params = _claim_filters(search, speakers, vias, cues, types, outlets, since, until, story_id)
    join = "join marts.articles a using (article_id)" if _needs_articles(where) else ""
    return con.execute(f"select count(*) from marts.fct_claims c {join} where c.published_at <= $as_of {where}",
                       {"as_of": as_of, **params}).fetchone()[0]


# the statements valid at $as_of ({matching}: those a filter matched), from their running totals
_CLUSTERS_NOW = """
    select * from marts.dash_claim_cluster_states
    where valid_from <= $as_of and (valid_to is null or valid_to > $as_of) {matching}
"""
# the statements one of whose claims published by $as_of matches the filters
_MATCHING = """ and claim_cluster_id in (
    select m.claim_cluster_id from marts.fct_claims c
    join marts.dash_claim_cluster_members m using (claim_id) {join}
    where c.published_at <= $as_of {where})"""


def _clusters_now(where: str) -> str:
    if not where:
        return _CLUSTERS_NOW.replace("{matching}", "")
    join = "join marts.articles a on a.article_id = c.article_id" if _needs_articles(where) else ""
    return _CLUSTERS_NOW.replace("{matching}", _MATCHING.format(join=join, where=where))


def _story_clusters(where: str, story: str) -> str:
    """The statements as the story's claims alone make them (few rows: counted on the fly)."""
    return f"""
        with visible as (
            select m.claim_cluster_id, m.url, m.feed_ids, c.*
            from marts.dash_claim_cluster_members m
            join marts.fct_claims c using (claim_id)
            where m.published_at <= $as_of {story.replace('c.article_id', 'm.article_id')}
        ),
        matching as (
            select distinct c.claim_cluster_id from visible c join marts.articles a using (article_id)
            where true {where}
        )
        select
            first(speaker_name order by published_at, claim_id) as speaker_name,
            first(claim_text order by published_at, claim_id) as claim_text,
            first(cue_verb order by published_at, claim_id) as cue_verb,
            min(published_at) as first_reported_at, max(published_at) as last_reported_at,
            count(*) as claim_count, count(distinct article_id) as article_count,
            list_sort(list_distinct(flatten(list(string_split(feed_ids, ','))))) as outlets,
            claim_cluster_id
        from visible
        where claim_cluster_id in (select claim_cluster_id from matching)
        group by claim_cluster_id"""


def claim_clusters(con: duckdb.DuckDBPyConnection, as_of: datetime, *, search: str | None = None,
                   speakers=(), vias=(), cues=(), types=(), outlets=(), since: date | None = None,
                   until: date | None = None, story_id: str | None = None, limit: int | None = PAGE_ROWS,
                   offset: int = 0) -> pd.DataFrame:
    """One page of statements (marts.claim_clusters) as they stood at `as_of`: only their claims reported
    by then (in the story's articles) count, with their outlets and links; a statement shows when one of
    its claims matches. Most outlets first."""
    where, params = _claim_filters(search, speakers, vias, cues, types, outlets, since, until)
    if story_id:
        story, story_params = _in_story("c.article_id", story_id)
        params.update(story_params)
        shown = _story_clusters(where, story)
    else:
        shown = f"""select speaker_name, claim_text, cue_verb, first_reported_at, valid_from as last_reported_at,
                           claim_count, article_count, outlets, claim_cluster_id
                    from ({_clusters_now(where)})"""
    frame = _df(con, f"""
        with page as (
            select * from ({shown})
            order by len(outlets) desc, claim_count desc, first_reported_at desc, claim_cluster_id
            {_page(limit, offset)}
        ),
        links as (
            select m.claim_cluster_id, list(distinct m.url) as urls
            from marts.dash_claim_cluster_members m
            where m.published_at <= $as_of and m.claim_cluster_id in (select claim_cluster_id from page)
              {_in_story("m.article_id", story_id)[0]}
            group by m.claim_cluster_id
        )
        select p.speaker_name, p.claim_text, p.cue_verb, p.first_reported_at, p.last_reported_at, p.claim_count,
               p.article_count, p.outlets, l.urls, p.claim_cluster_id
        from page p join links l using (claim_cluster_id)
        order by len(p.outlets) desc, p.claim_count desc, p.first_reported_at desc, p.claim_cluster_id
    """, {"as_of": as_of, **params})
    frame["source_count"] = frame["outlets"].map(len)
    frame["outlets"] = frame["outlets"].map(", ".join)
    frame["urls"] = frame["urls"].map(lambda urls: sorted(u for u in map(safe_url, urls) if u))
    frame["first_url"] = frame["urls"].map(lambda urls: urls[0] if urls else None)
    return frame


def claim_cluster_count(con: duckdb.DuckDBPyConnection, as_of: datetime, *, search: str | None = None,
                        speakers=(), vias=(), cues=(), types=(), outlets=(), since: date | None = None,
                        until: date | None = None, story_id: str | None = None) -> int:
    """How many statements `claim_clusters` pages through."""
    where, params = _claim_filters(search, speakers, vias, cues, types, outlets, since, until)
    if story_id:
        story, story_params = _in_story("c.article_id", story_id)
        sql = f"select count(*) from ({_story_clusters(where, story)})"
        params.update(story_params)
    else:
        sql = f"select count(*) from ({_clusters_now(where)})"
    return con.execute(sql, {"as_of": as_of, **params}).fetchone()[0]


# --- actors -------------------------------------------------------------------------------------

# actor_activity_daily restricted to a story's articles, rolled up from the marts it is built from
_STORY_ACTIVITY = f"""(
    select actor_id, cast(published_at as date) as day, cast(sum(m) as bigint) as mentions,
           cast(sum(c) as bigint) as claims, cast(sum(r) as bigint) as relayed_claims
    from (select article_id, actor_id, published_at, 1 as m, 0 as c, 0 as r from marts.fct_mentions
          union all
          select article_id, speaker_actor_id, published_at, 0, 1, 0 from marts.fct_claims
          where speaker_actor_id is not null
          union all
          select article_id, via_actor_id, published_at, 0, 0, 1 from marts.fct_claims
          where via_actor_id is not null)
    where article_id in {_MEMBERS}
    group by all
)"""


def _activity(story_id: str | None) -> tuple[str, dict]:
    """The actor-by-day relation to read: the whole mart, or a story's articles only."""
    if not story_id:
        return "marts.actor_activity_daily", {}
    return _STORY_ACTIVITY, {"story_id": story_id}


def top_actors(con: duckdb.DuckDBPyConnection, as_of: datetime, *, limit: int = 25,
               types: tuple[str, ...] = (), story_id: str | None = None) -> pd.DataFrame:
    """The most active actors up to `as_of`'s day: mentions, claims made and relayed, articles."""
    type_clause = "and d.actor_type in (select unnest($types))" if types else ""
    activity, story_params = _activity(story_id)
    return _df(con, f"""
        select d.actor_id, d.name, d.actor_type, d.country,
               cast(sum(a.mentions) as bigint) as mentions, cast(sum(a.claims) as bigint) as claims,
               cast(sum(a.relayed_claims) as bigint) as relayed_claims, min(a.day) as first_day, max(a.day) as last_day
        from {activity} a
        join marts.dim_actors d using (actor_id)
        where a.day <= cast($as_of as date) {type_clause}
        group by all
        order by mentions desc, claims desc, d.name
        limit {int(limit)}
    """, {"as_of": as_of, **story_params, **({"types": list(types)} if types else {})})


def actor_types(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The actor types present in the snapshot."""
    return [r[0] for r in con.execute("select distinct actor_type from marts.dim_actors order by 1").fetchall()]


def actor_activity(con: duckdb.DuckDBPyConnection, as_of: datetime, actor_ids: list[str], *,
                   grain: str = "day", story_id: str | None = None) -> pd.DataFrame:
    """Mentions and claims per day (or week, from Monday) of the given actors, up to `as_of`'s day."""
    if grain not in ("day", "week"):
        raise ValueError(f"grain {grain!r}: day or week")
    activity, story_params = _activity(story_id)
    return _df(con, f"""
        select cast(date_trunc('{grain}', a.day) as date) as day, d.name,
               cast(sum(a.mentions) as bigint) as mentions, cast(sum(a.claims) as bigint) as claims
        from {activity} a join marts.dim_actors d using (actor_id)
        where a.day <= cast($as_of as date) and a.actor_id in (select unnest($ids))
        group by all order by day, d.name
    """, {"as_of": as_of, "ids": list(actor_ids), **story_params})


def _co_mentions_sql(story: str, pair_clause: str) -> str:
    """Pairs and their shared articles by $as_of: a story's counted from its mentions; else the days
    before $as_of's from marts.dash_actor_pairs_daily, $as_of's own day up to $as_of from its mentions."""
    kept = "(select actor_id from marts.dim_actors where actor_type not in (select unnest($excluded)))"
    window = ("" if story else "and m.published_at >= cast(cast($as_of as date) as timestamp)") + story
    today = f"""
        with present as (
            select distinct m.article_id, m.actor_id from marts.fct_mentions m
            where m.published_at <= $as_of {window} and m.actor_id in {kept}
        )
        select x.actor_id as a, y.actor_id as b, count(*) as articles
        from present x join present y on x.article_id = y.article_id and x.actor_id < y.actor_id
        group by all"""
    if story:
        pairs = today
    else:
        pairs = f"""
            select a, b, sum(articles) as articles from (
                select actor_id as a, with_actor_id as b, articles from marts.dash_actor_pairs_daily
                where day < cast($as_of as date) and actor_id in {kept} and with_actor_id in {kept}
                union all ({today})
            ) group by all"""
    return f"""
        with pairs as ({pairs})
        select da.name as actor, db.name as with_actor, cast(p.articles as bigint) as articles,
               p.a as actor_id, p.b as with_actor_id
        from pairs p join marts.dim_actors da on da.actor_id = p.a join marts.dim_actors db on db.actor_id = p.b
        where true {pair_clause}
        order by p.articles desc, actor, with_actor"""


def co_mentions(con: duckdb.DuckDBPyConnection, as_of: datetime, *, actor_id: str | None = None,
                limit: int = 50, exclude_types: tuple[str, ...] = ("country", "anonymous"),
                story_id: str | None = None) -> pd.DataFrame:
    """Pairs of actors named in the same articles by `as_of`, by number of shared articles."""
    pair_clause = "and (p.a = $actor or p.b = $actor)" if actor_id else ""
    story, story_params = _in_story("m.article_id", story_id)
    return _df(con, _co_mentions_sql(story, pair_clause) + f" limit {int(limit)}",
               {"as_of": as_of, "excluded": list(exclude_types), **story_params,
                **({"actor": actor_id} if actor_id else {})})


def actor_options(con: duckdb.DuckDBPyConnection, as_of: datetime, *, story_id: str | None = None) -> pd.DataFrame:
    """Actors seen by `as_of`, most mentioned first: the choices of the actor page."""
    activity, story_params = _activity(story_id)
    return _df(con, f"""
        select d.actor_id, d.name, d.actor_type, cast(sum(a.mentions) as bigint) as mentions
        from {activity} a join marts.dim_actors d using (actor_id)
        where a.day <= cast($as_of as date)
        group by all order by mentions desc, d.name
    """, {"as_of": as_of, **story_params})


def actor_claims(con: duckdb.DuckDBPyConnection, as_of: datetime, actor_id: str, *,
                 story_id: str | None = None, limit: int | None = PAGE_ROWS, offset: int = 0) -> pd.DataFrame:
    """One page of the claims an actor made or relayed by `as_of`, newest first."""
    story, story_params = _in_story("c.article_id", story_id)
    frame = _df(con, f"""
        with page as (
            select * from marts.fct_claims c
            where c.published_at <= $as_of and (c.speaker_actor_id = $actor or c.via_actor_id = $actor) {story}
            order by c.published_at desc, c.claim_id {_page(limit, offset)}
        )
        select c.published_at, case when c.speaker_actor_id = $actor then 'speaker' else 'via' end as role,
               c.speaker_name, c.via_name, c.cue_verb, c.claim_type, c.claim_text, a.feed_ids as outlets,
               a.title, a.url
        from page c join marts.articles a using (article_id)
        order by c.published_at desc, c.claim_id
    """, {"as_of": as_of, "actor": actor_id, **story_params})
    return _safe_links(frame, "url")


def actor_claim_count(con: duckdb.DuckDBPyConnection, as_of: datetime, actor_id: str, *,
                      story_id: str | None = None) -> int:
    """How many claims `actor_claims` pages through."""
    story, story_params = _in_story("c.article_id", story_id)
    return con.execute(f"""
        select count(*) from marts.fct_claims c
        where c.published_at <= $as_of and (c.speaker_actor_id = $actor or c.via_actor_id = $actor) {story}
    """, {"as_of": as_of, "actor": actor_id, **story_params}).fetchone()[0]


def actor_mentions(con: duckdb.DuckDBPyConnection, as_of: datetime, actor_id: str, *,
                   story_id: str | None = None, limit: int | None = PAGE_ROWS, offset: int = 0) -> pd.DataFrame:
    """One page of the articles that name an actor by `as_of`, newest first, with the words used."""
    story, story_params = _in_story("m.article_id", story_id)
    frame = _df(con, f"""
        with named as (
            select m.article_id, m.published_at, m.surface from marts.fct_mentions m
            where m.published_at <= $as_of and m.actor_id = $actor {story}
        ),
        page as (
            select article_id, published_at, string_agg(distinct surface, '; ' order by surface) as surfaces,
                   count(*) as mentions
            from named group by article_id, published_at
            order by published_at desc, article_id {_page(limit, offset)}
        )
        select p.published_at, p.surfaces, p.mentions, a.title, a.feed_ids as outlets, a.url
        from page p join marts.articles a using (article_id)
        order by p.published_at desc, p.article_id
    """, {"as_of": as_of, "actor": actor_id, **story_params})
    return _safe_links(frame, "url")


def actor_mention_count(con: duckdb.DuckDBPyConnection, as_of: datetime, actor_id: str, *,
                        story_id: str | None = None) -> int:
    """How many articles `actor_mentions` pages through."""
    story, story_params = _in_story("m.article_id", story_id)
    return con.execute(f"""
        select count(distinct m.article_id) from marts.fct_mentions m
        where m.published_at <= $as_of and m.actor_id = $actor {story}
    """, {"as_of": as_of, "actor": actor_id, **story_params}).fetchone()[0]


# --- feeds and quality --------------------------------------------------------------------------

def feed_health(con: duckdb.DuckDBPyConnection, as_of: datetime) -> pd.DataFrame:
    """Per feed, from the fetch attempts made by `as_of`: last success, last error, failures since the
    last success, hours since the last success, what the last attempt brought."""
    if not _has(con, "quality", "fetch_log"):
        return pd.DataFrame()
    return _df(con, """
        with log as (select * from quality.fetch_log where fetched_at <= $as_of),
        per_feed as (
            select feed_id,
                   count(*) as attempts,
                   count(error) as failures,
                   max(fetched_at) as last_attempt_at,
                   max(fetched_at) filter (where error is null) as last_success_at,
                   max(fetched_at) filter (where error is not null) as last_error_at,
                   arg_max(error, fetched_at) filter (where error is not null) as last_error,
                   arg_max(http_status, fetched_at) as last_status,
                   sum(entries_new) as entries_new,
                   sum(entries_quarantined) as entries_quarantined
            from log group by feed_id
        ),
        failing as (
            select l.feed_id, count(*) as failures_since_success
            from log l join per_feed p using (feed_id)
            where l.error is not null and (p.last_success_at is null or l.fetched_at > p.last_success_at)
            group by l.feed_id
        ),
        latest_article as (
            select feed, max(published_at) as last_article_at
            from (select published_at, unnest(string_split(feed_ids, ',')) as feed
                  from marts.articles where published_at <= $as_of)
            group by feed
        )
        select p.feed_id,
               case when coalesce(f.failures_since_success, 0) = 0 then 'ok' else 'failing' end as state,
               p.last_success_at,
               round(date_diff('minute', p.last_success_at, cast($as_of as timestamp)) / 60.0, 1)
                   as hours_since_success,
               l.last_article_at, p.last_status, p.last_error_at, p.last_error,
               coalesce(f.failures_since_success, 0) as failures_since_success,
               p.attempts, p.failures, p.entries_new, p.entries_quarantined
        from per_feed p
        left join failing f using (feed_id)
        left join latest_article l on l.feed = p.feed_id
        order by state desc, p.feed_id
    """, {"as_of": as_of})


def articles_per_day(con: duckdb.DuckDBPyConnection, as_of: datetime, *, story_id: str | None = None) -> pd.DataFrame:
    """Articles published per UTC day and feed, by `as_of` (the story's articles only, given one)."""
    story, story_params = _in_story("article_id", story_id)
    return _df(con, f"""
        select cast(published_at as date) as day, feed, count(*) as articles
        from (select published_at, unnest(string_split(feed_ids, ',')) as feed
              from marts.articles where published_at <= $as_of {story})
        group by all order by day, feed
    """, {"as_of": as_of, **story_params})


def gate_results(con: duckdb.DuckDBPyConnection, as_of: datetime) -> pd.DataFrame:
    """Every gate run of the runs whose clock is at or before `as_of`."""
    return _df(con, f"""
        select {_RUN_AS_OF} as run_as_of, run_id, stage, suite, severity, success, evaluated, failed, checked_at
        from quality.results
        where coalesce({_RUN_AS_OF}, checked_at) <= $as_of
        order by run_as_of, checked_at, stage, suite
    """, {"as_of": as_of})


def failed_expectations(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The expectations that failed (warned or blocked) in one run."""
    return _df(con, """
        select suite, expectation, column_name, severity, unexpected_count, detail
        from quality.expectation_results where run_id = ? and not success
        order by severity, suite, expectation
    """, [run_id])


def quarantined(con: duckdb.DuckDBPyConnection, as_of: datetime) -> pd.DataFrame:
    """Records set aside by `as_of`, with their stage, feed and reason."""
    if not _has(con, "quality", "quarantine"):
        return pd.DataFrame()
    return _df(con, """
        select quarantined_at, stage, feed_id, record_key, reason
        from quality.quarantine where quarantined_at <= $as_of
        order by quarantined_at desc, feed_id, record_key
    """, {"as_of": as_of})


def last_run(con: duckdb.DuckDBPyConnection, as_of: datetime) -> dict | None:
    """The last run whose clock is at or before `as_of`: its gates, its fetches, the marts it published."""
    row = con.execute(f"""
        select run_id, {_RUN_AS_OF} as run_as_of, max(checked_at),
               count(*) filter (where severity = 'pass'), count(*) filter (where severity = 'warn'),
               count(*) filter (where severity = 'block')
        from quality.results where coalesce({_RUN_AS_OF}, checked_at) <= ?
        group by run_id order by run_as_of desc, max(checked_at) desc limit 1
    """, [as_of]).fetchone()
    if row is None:
        return None
    run_id = row[0]
    summary = {"run_id": run_id, "as_of": row[1], "checked_at": row[2],
               "gates": {"pass": row[3], "warn": row[4], "block": row[5]}}
    summary["published"] = _df(con, "select relation, row_count from quality.row_counts where run_id = ? "
                                    "order by relation", [run_id])
    if _has(con, "quality", "fetch_log"):
        fetches = con.execute("""
            select count(*) filter (where error is null), count(error), coalesce(sum(entries_seen), 0),
                   coalesce(sum(entries_new), 0), coalesce(sum(entries_new_version), 0),
                   coalesce(sum(entries_quarantined), 0)
            from quality.fetch_log where run_id = ?
        """, [run_id]).fetchone()
        summary["fetches"] = dict(zip(("ok", "failed", "seen", "new", "new_versions", "quarantined"), fetches))
    return summary


# --- as of --------------------------------------------------------------------------------------

def reported_on(con: duckdb.DuckDBPyConnection, as_of: datetime, *,
                story_id: str | None = None) -> dict[str, pd.DataFrame]:
    """What the news brought on `as_of`'s day, up to `as_of`: articles, deadline changes, claims."""
    day_start = datetime.combine(as_of.date(), time())
    member, story_params = _in_story("article_id", story_id)
    claim_member = member.replace("article_id", "c.article_id", 1)
    in_story, _ = _deadline_in_story("h.deadline_id", story_id)
    params = {"start": day_start, "as_of": as_of, **story_params}
    articles = _safe_links(_df(con, f"""
        select published_at, title, feed_ids as outlets, version_count, url from marts.articles
        where published_at >= $start and published_at <= $as_of {member} order by published_at
    """, params), "url")
    changes = _safe_links(_df(con, f"""
        select h.valid_from as reported_at, d.label, h.state_change, h.due_start, h.due_end, h.status,
               a.title, a.url
        from marts.deadline_history h join marts.fct_deadlines d using (deadline_id)
        left join marts.articles a on a.article_id = h.article_id
        where h.valid_from >= $start and h.valid_from <= $as_of {in_story} order by h.valid_from, d.label
    """, params), "url")
    said = _safe_links(_df(con, f"""
        select c.published_at, c.speaker_name, c.cue_verb, c.claim_text, a.url
        from marts.fct_claims c join marts.articles a using (article_id)
        where c.published_at >= $start and c.published_at <= $as_of {claim_member}
        order by c.published_at, c.claim_id
    """, params), "url")
    return {"articles": articles, "deadline_changes": changes, "claims": said}


def statuses_then_and_now(con: duckdb.DuckDBPyConnection, as_of: datetime, now: datetime, *,
                          story_id: str | None = None, limit: int | None = PAGE_ROWS,
                          offset: int = 0) -> pd.DataFrame:
    """One page of the deadlines known at `as_of`, each with its date and status then beside its date and
    status at `now` (the total: deadline_summary at `as_of`)."""
    then = deadlines(con, as_of, story_id=story_id, limit=limit, offset=offset)[
        ["deadline_id", "label", "due_start", "due_end", "status"]]
    later = deadlines(con, now, deadline_ids=list(then["deadline_id"]), limit=None)[
        ["deadline_id", "due_start", "due_end", "status"]]
    merged = then.merge(later, on="deadline_id", how="left", suffixes=("_then", "_now"))
    merged["changed"] = ((merged["status_then"] != merged["status_now"])
                         | (merged["due_start_then"] != merged["due_start_now"]))
    return merged.drop(columns=["deadline_id"])
