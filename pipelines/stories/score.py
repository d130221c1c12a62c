"""Score each article version against each story: terms in the title count twice, in the body once; an
actor counts where the extractor's mention or a name of it appears; an exclusion keeps the article out.

Writes extract.stories, extract.story_rules and extract.article_stories (declared in
pipelines/store/tables.py), which dbt stages into marts.dim_stories and marts.article_stories. Scores
are keyed by the stories file's fingerprint, so an edited file rescores every article and an unchanged
one scores only the versions not seen before.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import resources
from pipelines.stories.file import StoriesFile, Story

TITLE_WEIGHT, BODY_WEIGHT = 2, 1
_SEEDS = resources.seeds_dir()


def _pattern(term: str) -> re.Pattern:
    """A term as a case-insensitive whole-word pattern; inner spaces match any run of whitespace."""
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _aliases(gazetteer_csv: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """lower(name or alias) -> (actor_id, every name of that actor), from seeds/actors.csv."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    if not gazetteer_csv.exists():
        return out
    with gazetteer_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names = (row["name"], *(a for a in (row.get("aliases") or "").split("|") if a))
            for name in names:
                out.setdefault(name.lower(), (row["actor_id"], names))
    return out


@dataclass(frozen=True)
class _Matcher:
    """One story compiled for scoring."""

    story: Story
    terms: tuple[tuple[str, re.Pattern], ...]         # keywords and places
    actors: tuple[tuple[str, str | None, tuple[re.Pattern, ...]], ...]  # (name, actor id, patterns)
    exclude: tuple[tuple[str, re.Pattern], ...]


def _compile(story: Story, aliases: dict) -> _Matcher:
    actors = []
    for name in story.actors:
        actor_id, names = aliases.get(name.lower(), (None, (name,)))
        actors.append((name, actor_id, tuple(_pattern(n) for n in names)))
    return _Matcher(story, tuple((t, _pattern(t)) for t in (*story.keywords, *story.places)), tuple(actors),
                    tuple((t, _pattern(t)) for t in story.exclude))


def resolve_actor_ids(names: tuple[str, ...], gazetteer_csv: Path = _SEEDS / "actors.csv") -> list[str]:
    """The actor ids of names or aliases (an unknown name stands as its own slug)."""
    aliases = _aliases(gazetteer_csv)
    return [aliases.get(n.lower(), (re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-"), ()))[0] for n in names]


def score(matcher: _Matcher, title: str, body: str, mentioned: set[str], published: datetime | None) -> dict:
    """Score one article version against one story: the row of extract.article_stories, without keys."""
    story = matcher.story
    title_terms, body_terms, matched_actors = [], [], []
    for term, pattern in matcher.terms:
        if pattern.search(title):
            title_terms.append(term)
        elif pattern.search(body):
            body_terms.append(term)
    for name, actor_id, patterns in matcher.actors:
        in_title = any(p.search(title) for p in patterns)
        # the extractor's mention counts as the body naming the actor (it resolves aliases and roles)
        in_body = (actor_id is not None and actor_id in mentioned) or any(p.search(body) for p in patterns)
        if in_title or in_body:
            matched_actors.append(actor_id or name)
            (title_terms if in_title else body_terms).append(name)
    excluded = [t for t, p in matcher.exclude if p.search(title) or p.search(body)]
    day = published.date() if published else None
    in_window = day is None or ((story.window_start is None or day >= story.window_start)
                                and (story.window_end is None or day <= story.window_end))
    points = TITLE_WEIGHT * len(title_terms) + BODY_WEIGHT * len(body_terms)
    member = points >= story.min_score and not excluded and in_window
    return {"score": points, "is_member": member, "title_terms": title_terms, "body_terms": body_terms,
            "matched_actors": matched_actors, "excluded_by": excluded, "is_in_window": in_window,
            "explanation": _explain(story, points, title_terms, body_terms, excluded, in_window, member)}


def _explain(story: Story, points: int, title: list, body: list, excluded: list, in_window: bool, member: bool) -> str:
    """One line a user can read: why an article is in a story or not."""
    parts = [f"score {points} (min {story.min_score})"]
    if title:
        parts.append("title: " + ", ".join(title))
    if body:
        parts.append("body: " + ", ".join(body))
    if excluded:
        parts.append("excluded by: " + ", ".join(excluded))
    if not in_window:
        parts.append("outside the story's window")
    return ("in: " if member else "out: ") + "; ".join(parts)


@dataclass(frozen=True)
class ScoreSummary:
    """What one scoring pass did."""

    fingerprint: str
    scored: int
    members: int

    def __str__(self) -> str:
        return f"stories {self.fingerprint}: {self.scored} article versions scored, {self.members} in a story"


def score_articles(con: duckdb.DuckDBPyConnection, stories: StoriesFile,
                   gazetteer_csv: Path = _SEEDS / "actors.csv") -> ScoreSummary:
    """Write the stories and their rules, and score every article version not scored under this file."""
    fingerprint = stories.fingerprint
    aliases = _aliases(gazetteer_csv)
    matchers = [_compile(s, aliases) for s in stories.stories]
    con.execute("begin")
    try:
        _write_definitions(con, stories, fingerprint)
        # a changed stories file invalidates every score made under another one
        con.execute("delete from extract.article_stories where stories_fingerprint <> ?", [fingerprint])
        versions = con.execute(
            """
            select article_id, content_hash, any_value(title), any_value(content_text), min(published_at)
            from raw.entries as e
            where not exists (
                select 1 from extract.article_stories as s
                where s.article_id = e.article_id and s.content_hash = e.content_hash
            )
            group by article_id, content_hash
            """
        ).fetchall()
        mentions = _mentions(con)
        rows = []
        for article_id, content_hash, title, text, published in versions:
            seen = mentions.get((article_id, content_hash), set())
            for matcher in matchers:
                r = score(matcher, title or "", text or "", seen, published)
                rows.append((matcher.story.id, article_id, content_hash, r["score"], r["is_member"],
                             r["title_terms"], r["body_terms"], r["matched_actors"], r["excluded_by"],
                             r["is_in_window"], r["explanation"], fingerprint))
        if rows:
            con.executemany("insert into extract.article_stories values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return ScoreSummary(fingerprint, len(versions), sum(r[4] for r in rows))


def _mentions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for article_id, content_hash, actor_id in con.execute(
            "select distinct article_id, content_hash, actor_id from extract.mentions").fetchall():
        out.setdefault((article_id, content_hash), set()).add(actor_id)
    return out


def _write_definitions(con: duckdb.DuckDBPyConnection, stories: StoriesFile, fingerprint: str) -> None:
    """Replace extract.stories and extract.story_rules with the file's (a removed story leaves the marts)."""
    con.execute("delete from extract.story_rules")
    con.execute("delete from extract.stories")
    for s in stories.stories:
        con.execute("insert into extract.stories values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [s.id, s.name, s.description, list(s.keywords), list(s.actors), list(s.places),
                     list(s.exclude), s.window_start, s.window_end, s.min_score, fingerprint])
        for r in s.rules:
            con.execute("insert into extract.story_rules values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [s.id, r.rule_id, r.rule, list(r.state_changes) or None, r.within_days, r.polls,
                         resolve_actor_ids(r.actors) if r.actors else None, list(r.cues) or None])
