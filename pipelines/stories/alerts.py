"""Alerts: queue the alerts marts.alerts holds that no run queued before, deliver them once (issue 15).

dbt derives marts.alerts from report time, so every run (and a replay) sees the same alert ids.
This step, run after publish, records the new ones in alerts.fired, puts one row per alert and sink
in alerts.outbox, and delivers what the outbox still holds: the log, a JSON-lines file, a webhook
(HTTP POST of JSON; a 2xx acknowledges it), or any service Apprise reaches. A failed delivery stays
in the outbox with its attempts and last error and is tried again at the next run; an acknowledged
one is never sent again. Sink URLs may hold ${VAR}: the values come from the environment and are
redacted from every log line and stored error.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import pyarrow as pa
import requests

from pipelines.settings import Settings
from pipelines.store.connection import registered
from pipelines.stories.file import Sink, StoriesFile

log = logging.getLogger(__name__)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DEFAULT_SINKS = (Sink("log", "log"),)
BACKOFF_S = 0.2  # first pause between webhook attempts in one run; doubles each time


class SinkError(RuntimeError):
    """A delivery failed; the message is already redacted."""

    attempts = 0  # how many tries a webhook made before giving up


@dataclass
class DeliverySummary:
    """What one alerts step did."""

    fired: int = 0
    delivered: int = 0
    pending: int = 0

    def __str__(self) -> str:
        return f"alerts: {self.fired} new, {self.delivered} delivered, {self.pending} waiting for a retry"


def expand(template: str, env: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """Replace ${VAR} with its value; returns the text and the values used (the secrets to redact)."""
    env = os.environ if env is None else env
    secrets: list[str] = []

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in env:
            raise SinkError(f"environment variable {name} (used by a sink) is not set")
        secrets.append(env[name])
        return env[name]

    return _VAR.sub(value, template), [s for s in secrets if s]


def display(template: str) -> str:
    """A sink URL fit for logs: ${VAR} kept as written, a password in it and its query string hidden."""
    parts = urlsplit(template)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = userinfo.split(":", 1)[0] + ":***@" + host if ":" in userinfo else "***@" + host
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


def redact(text: str, secrets: list[str]) -> str:
    """The text with every secret value (and the URL built from one) replaced by ***."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def queue_new_alerts(con: duckdb.DuckDBPyConnection, settings: Settings, stories: StoriesFile,
                     run_id: str | None) -> int:
    """Record the alerts of marts.alerts no run recorded before, one outbox row per sink; their count."""
    try:
        cursor = con.execute("select * from marts.alerts where alert_id not in (select alert_id from alerts.fired) "
                             "order by fired_at, alert_id")
    except duckdb.CatalogException:  # no dbt build yet
        return 0
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    if not rows:
        return 0
    sinks = stories.sinks or _DEFAULT_SINKS
    payloads = [json.dumps({k: _json_value(v) for k, v in alert.items()}, ensure_ascii=False, sort_keys=True)
                for alert in rows]
    fired = pa.table({
        "alert_id": [a["alert_id"] for a in rows], "story_id": [a["story_id"] for a in rows],
        "rule": [a["rule"] for a in rows], "fired_at": pa.array([a["fired_at"] for a in rows], pa.timestamp("us")),
        "queued_at": pa.array([settings.as_of] * len(rows), pa.timestamp("us")),
        "run_id": pa.array([run_id] * len(rows), pa.string())})
    queued = pa.table({
        "alert_id": [a["alert_id"] for a in rows for _ in sinks], "sink_id": [s.sink_id for _ in rows for s in sinks],
        "payload": [p for p in payloads for _ in sinks],
        "queued_at": pa.array([settings.as_of] * (len(rows) * len(sinks)), pa.timestamp("us"))})
    with registered(con, "_alerts_fired", fired), registered(con, "_alerts_queued", queued):
        con.execute("begin")  # in bulk: a statement per alert costs milliseconds each, minutes for a big story
        try:
            con.execute("insert into alerts.fired "
                        "select alert_id, story_id, rule, fired_at, queued_at, run_id from _alerts_fired")
            con.execute("insert into alerts.outbox (alert_id, sink_id, payload, queued_at) "
                        "select alert_id, sink_id, payload, queued_at from _alerts_queued on conflict do nothing")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return len(rows)


@contextmanager
def _quiet_transport():
    """Keep the HTTP libraries' debug lines (they print full URLs, secrets and all) out of the logs."""
    loggers = [logging.getLogger(name) for name in ("urllib3", "requests", "apprise")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def deliver_alerts(con: duckdb.DuckDBPyConnection, settings: Settings, stories: StoriesFile,
                   run_id: str | None = None) -> DeliverySummary:
    """Queue the new alerts, then try every undelivered outbox row of the sinks configured now."""
    summary = DeliverySummary(fired=queue_new_alerts(con, settings, stories, run_id))
    with _quiet_transport():
        _deliver_pending(con, settings, stories, summary)
    return summary


# outcomes are recorded in batches, each one statement: one per delivery costs milliseconds, minutes for
# a big story. A crash inside a batch resends at most that batch (at least once, never silently lost).
_RECORD_EVERY = 64
_RECORD_AFTER_S = 1.0


def _deliver_pending(con: duckdb.DuckDBPyConnection, settings: Settings, stories: StoriesFile,
                     summary: DeliverySummary) -> None:
    for sink in stories.sinks or _DEFAULT_SINKS:
        # in report order, so a replay delivers in the order a live run would have
        pending = con.execute(
            "select o.alert_id, o.payload from alerts.outbox as o join alerts.fired as f using (alert_id) "
            "where o.sink_id = ? and o.delivered_at is null order by f.fired_at, o.alert_id",
            [sink.sink_id]).fetchall()
        outcomes: list[tuple[str, int, datetime | None, str | None]] = []
        since = time.monotonic()
        for alert_id, payload in pending:
            outcome = _deliver_one(settings, sink, alert_id, json.loads(payload))
            outcomes.append(outcome)
            summary.delivered += outcome[3] is None
            summary.pending += outcome[3] is not None
            if len(outcomes) >= _RECORD_EVERY or time.monotonic() - since >= _RECORD_AFTER_S:
                _record_outcomes(con, sink, outcomes)
                outcomes, since = [], time.monotonic()
        _record_outcomes(con, sink, outcomes)


def _deliver_one(settings: Settings, sink: Sink, alert_id: str, alert: dict) -> tuple[str, int, datetime | None,
                                                                                      str | None]:
    """Send one outbox row: (alert_id, attempts, delivered_at, error), for `_record_outcomes`."""
    attempts, error = 0, None
    try:
        attempts = _send(settings, sink, alert)
    except SinkError as exc:
        attempts, error = getattr(exc, "attempts", 1), str(exc)
    if error:
        log.warning("alert %s to sink %s not delivered (will retry next run): %s", alert_id, sink.sink_id, error)
    # audit time, like quality.results.checked_at: when the sink acknowledged, not the run's clock
    return alert_id, attempts, None if error else datetime.now(timezone.utc).replace(tzinfo=None), error


def _record_outcomes(con: duckdb.DuckDBPyConnection, sink: Sink, outcomes: list) -> None:
    """Write a batch of delivery outcomes to the outbox in one statement."""
    if not outcomes:
        return
    ids, attempts, delivered, errors = (list(column) for column in zip(*outcomes))
    batch = pa.table({"alert_id": ids, "attempts": pa.array(attempts, pa.int32()),
                      "delivered_at": pa.array(delivered, pa.timestamp("us")),
                      "last_error": pa.array(errors, pa.string())})
    with registered(con, "_alerts_outcomes", batch):
        con.execute("update alerts.outbox as o set attempts = o.attempts + b.attempts, delivered_at = b.delivered_at, "
                    "last_error = b.last_error from _alerts_outcomes as b where o.alert_id = b.alert_id "
                    "and o.sink_id = ?", [sink.sink_id])


def _send(settings: Settings, sink: Sink, alert: dict) -> int:
    """Deliver one alert to one sink; returns the attempts made, raises SinkError (redacted) on failure."""
    if sink.type == "log":
        log.info("alert %s [%s] %s: %s (%s)", alert["alert_id"], alert["story_id"], alert["rule"],
                 alert["message"], alert["fired_at"])
        return 1
    if sink.type == "jsonl":
        path = Path(expand(sink.path or "")[0])
        path = path if path.is_absolute() else settings.data_dir / path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(alert, ensure_ascii=False, sort_keys=True) + "\n")
        return 1
    url, secrets = expand(sink.url or "")
    if sink.type == "webhook":
        return _post(url, secrets, sink, alert)
    return _apprise(url, secrets, sink, alert)


def _post(url: str, secrets: list[str], sink: Sink, alert: dict) -> int:
    """POST the alert as JSON, retrying with exponential backoff; a 2xx acknowledges it."""
    secrets = secrets + [url]
    attempts, last = 0, ""
    for attempt in range(max(1, sink.retries)):
        attempts += 1
        try:
            response = requests.post(url, json=alert, timeout=sink.timeout_s, allow_redirects=False)
            if 200 <= response.status_code < 300:
                return attempts
            last = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__ + ": " + redact(str(exc), secrets)
        if attempt + 1 < sink.retries:
            time.sleep(BACKOFF_S * 2 ** attempt)
    error = SinkError(f"webhook {display(sink.url or '')}: {last} after {attempts} attempts")
    error.attempts = attempts
    raise error


def _apprise(url: str, secrets: list[str], sink: Sink, alert: dict) -> int:
    """Notify through Apprise (mail, Slack, Matrix, ntfy...); it reports only success or failure."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise SinkError(f"apprise {display(sink.url or '')}: not a URL Apprise understands")
    title = f"eventwatch [{alert['story_id']}] {alert['rule']}"
    if not notifier.notify(title=title, body=alert["message"]):
        raise SinkError(f"apprise {display(sink.url or '')}: the service did not accept the notification")
    return 1


def list_alerts(con: duckdb.DuckDBPyConnection, story_id: str | None = None):
    """The alerts in a (published) database, newest report first: (columns, rows)."""
    sql = ("select fired_at, story_id, rule, subject, message, old_value, new_value, article_id, alert_id "
           "from marts.alerts" + (" where story_id = ?" if story_id else "") + " order by fired_at desc, alert_id")
    cursor = con.execute(sql, [story_id] if story_id else [])
    return [d[0] for d in cursor.description], cursor.fetchall()
