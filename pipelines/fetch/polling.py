"""When to poll a feed next: the fetch limits, per-feed schedules, backoff and parking.

Pure functions of the run's clock (`as_of`), never of the wall clock, so that a replay computes
the same schedule as a live run. A feed is due when its next-poll time has come on that clock; a
success schedules the next poll after the poll interval, or later when the server asks for it
(Cache-Control max-age, Expires, Retry-After); a failure backs off exponentially with jitter; after
`park_after` consecutive failures (or at once on 410 Gone) the feed is parked until re-enabled.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(no-cache|no-store)\b", re.IGNORECASE)
PARK_AT_ONCE = {410}  # Gone: the publisher says the feed will not come back


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch and the polling schedule; every field can come from the environment."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 60.0  # the whole fetch, redirects and a slow body included
    max_body_bytes: int = 20 * 1024 * 1024  # counted after decompression
    max_redirects: int = 5
    max_parallel: int = 8
    per_host: int = 2  # concurrent fetches to one host name
    poll_interval_s: float = 15 * 60  # the ingest DAG's schedule
    max_poll_interval_s: float = 24 * 3600  # a longer max-age is capped here
    max_backoff_s: float = 24 * 3600  # backoff and Retry-After are capped here
    park_after: int = 10  # consecutive failures

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FetchPolicy:
        """Defaults, overridden by EVENTWATCH_<FIELD> variables (e.g. EVENTWATCH_PARK_AFTER=5)."""
        env = os.environ if env is None else env
        values = {}
        for name, default in cls().__dict__.items():
            raw = env.get(f"EVENTWATCH_{name.upper()}")
            if raw is not None and raw.strip():
                try:
                    values[name] = type(default)(raw)
                except ValueError as exc:
                    raise ValueError(f"EVENTWATCH_{name.upper()}={raw!r} is not a number") from exc
        return cls(**values)


@dataclass(frozen=True)
class PagePolicy:
    """Article pages (pipelines.fetch.pages): when a feed's text counts as short, politeness, re-check schedule."""

    short_words: int = 150  # auto mode fetches the page when the feed's text has fewer words
    min_words: int = 40  # a page text shorter than this is a stub (paywall, consent wall), never used
    delay_s: float = 1.0  # between two requests to one host (robots.txt included)
    timeout_s: float = 20.0  # the whole fetch of one page
    recheck_hours: str = "1,6,24,72"  # after first sight, for edits; failures are retried on the same steps

    @property
    def recheck_after(self) -> tuple[timedelta, ...]:
        """The re-check offsets, parsed; an empty string means never re-check."""
        return tuple(timedelta(hours=float(h)) for h in self.recheck_hours.split(",") if h.strip())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PagePolicy:
        """Defaults, overridden by EVENTWATCH_PAGE_<FIELD> variables (e.g. EVENTWATCH_PAGE_DELAY_S=0.5)."""
        env = os.environ if env is None else env
        values = {}
        for name, default in cls().__dict__.items():
            raw = env.get(f"EVENTWATCH_PAGE_{name.upper()}")
            if raw is not None and raw.strip():
                try:
                    values[name] = type(default)(raw)
                except ValueError as exc:
                    raise ValueError(f"EVENTWATCH_PAGE_{name.upper()}={raw!r} is not a number") from exc
        policy = cls(**values)
        try:
            _ = policy.recheck_after  # fail now, not at the first re-check
        except ValueError as exc:
            raise ValueError(f"EVENTWATCH_PAGE_RECHECK_HOURS={policy.recheck_hours!r} is not a list of hours") from exc
        return policy


@dataclass(frozen=True)
class Schedule:
    """The outcome of one attempt for the feed's state: when next, why, and whether it is parked."""

    next_poll_at: datetime
    reason: str  # interval | max-age | retry-after | backoff
    consecutive_failures: int
    parked_reason: str | None = None


def _seconds_until(value: str | None, now: datetime | None) -> float | None:
    """Seconds from the response's Date header (else `now`) to an HTTP-date, None if unreadable."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if now is None:
        return None
    return (moment - now.replace(tzinfo=timezone.utc)).total_seconds()


def _response_date(headers: Mapping[str, str], fallback: datetime) -> datetime:
    try:
        moment = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError, IndexError):
        return fallback
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def retry_after_s(headers: Mapping[str, str], as_of: datetime) -> float | None:
    """Retry-After as seconds: a number, or an HTTP-date measured from the response's own Date."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    seconds = _seconds_until(value, _response_date(headers, as_of))
    return max(0.0, seconds) if seconds is not None else None


def max_age_s(headers: Mapping[str, str], as_of: datetime) -> float | None:
    """How long the response says it stays fresh: Cache-Control max-age, else Expires - Date."""
    control = headers.get("cache-control") or ""
    if _NO_CACHE.search(control):
        return 0.0
    match = _MAX_AGE.search(control)
    if match:
        return float(match.group(1))
    seconds = _seconds_until(headers.get("expires"), _response_date(headers, as_of))
    return max(0.0, seconds) if seconds is not None else None


def jitter(feed_id: str, failures: int, as_of: datetime) -> float:
    """A fraction in [0, 1), the same for the same feed, failure count and clock (replays repeat it)."""
    digest = hashlib.sha1(f"{feed_id}\x1f{failures}\x1f{as_of.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def after_success(policy: FetchPolicy, as_of: datetime, headers: Mapping[str, str]) -> Schedule:
    """The next poll after a 200 or 304: the interval, or later when the server asks for it."""
    delay, reason = policy.poll_interval_s, "interval"
    age = max_age_s(headers, as_of)
    if age is not None and age > delay:
        delay, reason = min(age, policy.max_poll_interval_s), "max-age"
    retry = retry_after_s(headers, as_of)
    if retry is not None and retry > delay:
        delay, reason = min(retry, policy.max_backoff_s), "retry-after"
    return Schedule(as_of + timedelta(seconds=delay), reason, 0)


def after_failure(policy: FetchPolicy, as_of: datetime, feed_id: str, failures_before: int,
                  http_status: int | None, headers: Mapping[str, str], error: str) -> Schedule:
    """The next poll after a failure: exponential backoff with jitter, Retry-After, or parking."""
    failures = failures_before + 1
    backoff = min(policy.poll_interval_s * 2 ** (failures - 1), policy.max_backoff_s)
    # "equal jitter": half the backoff is fixed, half is spread, so feeds that failed together
    # (one host down) do not all come back at the same instant
    delay, reason = backoff / 2 + backoff / 2 * jitter(feed_id, failures, as_of), "backoff"
    retry = retry_after_s(headers, as_of)
    if retry is not None and retry > delay:
        delay, reason = min(retry, policy.max_backoff_s), "retry-after"
    parked = None
    if http_status in PARK_AT_ONCE:
        parked = f"HTTP {http_status}: {error}"
    elif failures >= policy.park_after:
        parked = f"{failures} consecutive failures, the last: {error}"
    return Schedule(as_of + timedelta(seconds=delay), reason, failures, parked)


def is_due(*, as_of: datetime, next_poll_at: datetime | None, last_attempt_at: datetime | None,
           parked: bool, force: bool) -> bool:
    """Whether a feed is polled by a run at `as_of` (`force` ignores the schedule, never parking)."""
    if parked:
        return False
    if force or next_poll_at is None:
        return True
    # a replay at an earlier instant than the last attempt: a schedule made later does not apply
    if last_attempt_at is not None and as_of < last_attempt_at:
        return True
    return next_poll_at <= as_of
