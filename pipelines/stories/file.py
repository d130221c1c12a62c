"""The stories file: which articles a user follows, its alert rules and sinks (issue 15).

A stories file (CONTRACT.md) names each story's keywords, actors, places and exclusions, an
optional time window, its alert rules and the sinks alerts go to. Stories select, they never drop:
every article is still ingested, extracted and in the marts; this module scores each article
version against each story and writes extract.stories, extract.story_rules and
extract.article_stories (DDL in pipelines/store/tables.py), which dbt stages into marts.dim_stories and
marts.article_stories. Scores are keyed by the stories file's fingerprint, so an edited file rescores
every article and an unchanged one scores only the versions not seen before.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from pipelines import resources

SCORER_VERSION = "1"  # bump when the scoring rules change: every article is scored again
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
