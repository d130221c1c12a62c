"""Stories: which articles a user follows, and why (issue 15).

A stories file (CONTRACT.md) names each story's keywords, actors, places and exclusions, an
optional time window, its alert rules and the sinks alerts go to. Stories select, they never drop:
every article is still ingested, extracted and in the marts; this module scores each article
version against each story and writes extract.stories, extract.story_rules and
extract.article_stories (DDL in pipelines/store/tables.py), which dbt stages into marts.dim_stories and
marts.article_stories. Scores are keyed by the stories file's fingerprint, so an edited file rescores
every article and an unchanged one scores only the versions not seen before.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import yaml

from pipelines import resources

SCORER_VERSION = "1"  # bump when the scoring rules change: every article is scored again
TITLE_WEIGHT, BODY_WEIGHT = 2, 1
DEFAULT_MIN_SCORE = 3
STATE_CHANGES = ("announced", "moved", "postponed", "cancelled", "reinstated")
DEFAULT_CUES = ("warn", "threaten", "demand")
_RULES = ("deadline_changed", "deadline_due", "claim", "feed_failing")
_SINKS = ("log", "jsonl", "webhook", "apprise")
_ID = re.compile(r"^[a-z0-9-]+$")
_SEEDS = resources.seeds_dir()



class StoriesFileError(ValueError):
    """The stories file is missing or does not follow the contract."""


@dataclass(frozen=True)
class Rule:
    """One alert rule of a story."""

    rule_id: str
    rule: str
    state_changes: tuple[str, ...] = ()
    within_days: int | None = None
    polls: int | None = None
    actors: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Story:
    """One story: what defines it and which alerts it raises."""

    id: str
    name: str
    keywords: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    window_start: date | None = None
    window_end: date | None = None
    min_score: int = DEFAULT_MIN_SCORE
    description: str | None = None
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Sink:
    """Where alerts are delivered besides marts.alerts; `url` and `path` may hold ${VAR}."""

    sink_id: str
    type: str
    url: str | None = None
    path: str | None = None
    timeout_s: float = 10.0
    retries: int = 3


@dataclass(frozen=True)
class StoriesFile:
    """The parsed stories file."""

    path: Path
    stories: tuple[Story, ...]
    sinks: tuple[Sink, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        """A digest of what decides the scores and the alerts (not the sinks): a change rescores."""
        body = json.dumps([asdict(s) for s in self.stories], sort_keys=True, default=str)
        return hashlib.sha256(f"{SCORER_VERSION}\0{body}".encode()).hexdigest()[:16]


def load_stories(path: str | Path) -> StoriesFile:
    """Read and validate a stories file; raises StoriesFileError with a one-line reason."""
    path = Path(path)
    if not path.exists():
        raise StoriesFileError(f"stories file {path} not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise StoriesFileError(f"stories file {path}: not valid YAML ({_first_line(exc)})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("stories"), list) or not doc["stories"]:
        raise StoriesFileError(f"stories file {path}: needs a non-empty 'stories:' list")
    _check_keys(path, "top level", doc, {"stories", "sinks"})
    stories = tuple(_story(path, i, raw) for i, raw in enumerate(doc["stories"]))
    ids = [s.id for s in stories]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise StoriesFileError(f"stories file {path}: story id {duplicates[0]!r} appears more than once")
    sinks = tuple(_sink(path, i, raw) for i, raw in enumerate(doc.get("sinks") or []))
    return StoriesFile(path, stories, sinks)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_keys(path: Path, where: str, raw: dict, allowed: set[str]) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise StoriesFileError(f"stories file {path}: {where}: unknown key {unknown[0]!r} "
                               f"(expected one of {', '.join(sorted(allowed))})")


def _terms(path: Path, where: str, raw: dict, key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise StoriesFileError(f"stories file {path}: {where}.{key}: must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _day(path: Path, where: str, value) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise StoriesFileError(f"stories file {path}: {where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _story(path: Path, index: int, raw) -> Story:
    where = f"stories[{index}]"
    if not isinstance(raw, dict):
        raise StoriesFileError(f"stories file {path}: {where}: must be a mapping with id and name")
    _check_keys(path, where, raw, {"id", "name", "description", "keywords", "actors", "places", "exclude",
                                   "window", "min_score", "alerts"})
    story_id = str(raw.get("id") or "")
    if not _ID.match(story_id):
        raise StoriesFileError(f"stories file {path}: {where}.id: {story_id!r} must match [a-z0-9-]+")
    if not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise StoriesFileError(f"stories file {path}: {where} ({story_id}): needs a name")
    terms = {key: _terms(path, where, raw, key) for key in ("keywords", "actors", "places", "exclude")}
    if not (terms["keywords"] or terms["actors"] or terms["places"]):
        raise StoriesFileError(f"stories file {path}: {where} ({story_id}): needs keywords, actors or places")
    window = raw.get("window") or {}
    if not isinstance(window, dict):
        raise StoriesFileError(f"stories file {path}: {where}.window: must be a mapping with start and/or end")
    _check_keys(path, f"{where}.window", window, {"start", "end"})
    start = _day(path, f"{where}.window.start", window.get("start"))
    end = _day(path, f"{where}.window.end", window.get("end"))
    if start and end and start > end:
        raise StoriesFileError(f"stories file {path}: {where}.window: start {start} is after end {end}")
    min_score = raw.get("min_score", DEFAULT_MIN_SCORE)
    if not isinstance(min_score, int) or isinstance(min_score, bool) or min_score < 1:
        raise StoriesFileError(f"stories file {path}: {where}.min_score: must be a whole number of 1 or more")
    rules = _rules(path, where, raw.get("alerts") or [])
    return Story(story_id, raw["name"].strip(), window_start=start, window_end=end, min_score=min_score,
                 description=raw.get("description"), rules=rules, **terms)


def _rules(path: Path, where: str, raw_rules) -> tuple[Rule, ...]:
    if not isinstance(raw_rules, list):
        raise StoriesFileError(f"stories file {path}: {where}.alerts: must be a list of rules")
    rules: list[Rule] = []
    for i, raw in enumerate(raw_rules):
        spot = f"{where}.alerts[{i}]"
        name = raw.get("rule") if isinstance(raw, dict) else None
        if name not in _RULES:
            raise StoriesFileError(f"stories file {path}: {spot}.rule: {name!r} is not one of {', '.join(_RULES)}")
        _check_keys(path, spot, raw, {"rule", "changes", "within_days", "polls", "actors", "cues"})
        count = sum(r.rule == name for r in rules)
        rules.append(Rule(
            rule_id=name if count == 0 else f"{name}-{count + 1}",
            rule=name,
            state_changes=_changes(path, spot, raw) if name == "deadline_changed" else (),
            within_days=_whole(path, spot, raw, "within_days", 0) if name == "deadline_due" else None,
            polls=_whole(path, spot, raw, "polls", 1) if name == "feed_failing" else None,
            actors=_terms(path, spot, raw, "actors") if name == "claim" else (),
            cues=(_terms(path, spot, raw, "cues") or DEFAULT_CUES) if name == "claim" else (),
        ))
        if name == "claim" and not rules[-1].actors:
            raise StoriesFileError(f"stories file {path}: {spot}: a claim rule needs actors")
    return tuple(rules)


def _changes(path: Path, spot: str, raw: dict) -> tuple[str, ...]:
    changes = _terms(path, spot, raw, "changes") or STATE_CHANGES
    wrong = [c for c in changes if c not in STATE_CHANGES]
    if wrong:
        raise StoriesFileError(f"stories file {path}: {spot}.changes: {wrong[0]!r} is not one of "
                               f"{', '.join(STATE_CHANGES)}")
    return changes


def _whole(path: Path, spot: str, raw: dict, key: str, least: int) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise StoriesFileError(f"stories file {path}: {spot}.{key}: needs a whole number of {least} or more")
    return value


def _sink(path: Path, index: int, raw) -> Sink:
    spot = f"sinks[{index}]"
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in _SINKS:
        raise StoriesFileError(f"stories file {path}: {spot}.type: {kind!r} is not one of {', '.join(_SINKS)}")
    _check_keys(path, spot, raw, {"type", "id", "url", "path", "timeout_s", "retries"})
    if kind in ("webhook", "apprise") and not isinstance(raw.get("url"), str):
        raise StoriesFileError(f"stories file {path}: {spot}: a {kind} sink needs a url")
    if kind == "jsonl" and not isinstance(raw.get("path"), str):
        raise StoriesFileError(f"stories file {path}: {spot}: a jsonl sink needs a path")
    sink_id = str(raw.get("id") or f"{kind}-{index + 1}")
    if not _ID.match(sink_id):
        raise StoriesFileError(f"stories file {path}: {spot}.id: {sink_id!r} must match [a-z0-9-]+")
    try:
        timeout, retries = float(raw.get("timeout_s", 10.0)), int(raw.get("retries", 3))
    except (TypeError, ValueError):
        raise StoriesFileError(f"stories file {path}: {spot}: timeout_s and retries must be numbers") from None
    return Sink(sink_id, kind, raw.get("url"), raw.get("path"), timeout, retries)


# --- scoring -----------------------------------------------------------------------------------


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
