"""Alerts on the move-then-cancel story of test_incremental: fired once, on report time, delivered once.

The OSCE envoys' Vienna meeting is set for March 3, pushed back to March 8, then called off. Fed live
in three runs or replayed in one, the story fires the same three alerts (announced, moved,
cancelled) with the same ids and report times; a rerun fires nothing; a webhook that fails twice
gets each alert exactly once across runs; a secret in a sink URL never reaches the logs.
"""

from __future__ import annotations

import json
import logging
from contextlib import closing
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings
from pipelines.store.connection import connect
from pipelines.stories import alerts as alerts_module
from pipelines.stories.alerts import deliver_alerts
from pipelines.stories.file import load_stories
from pipelines.stories.score import score_articles
from pipelines.transform import build
from tests.transform.test_incremental import AS_OF_1, AS_OF_2, AS_OF_3, _load, _settings
from tests.webhook import Webhook

STORY = """
stories:
  - id: vienna-envoys
    name: OSCE envoys in Vienna
    keywords: [OSCE, envoys]
    places: [Vienna]
    alerts:
      - rule: deadline_changed
sinks:
  - type: jsonl
    path: alerts.jsonl
{extra}
"""
ALERTS = "select state_change, fired_at, old_value, new_value, article_id, alert_id from marts.alerts order by fired_at"


def _stories(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "stories.yml"
    path.write_text(STORY.format(extra=extra), encoding="utf-8")
    return path


def _run(settings: Settings, *names: str):
    """What a run does for these entries: load them, score stories, build, then the alerts step."""
    if names:
        _load(settings.database, *names)
    stories = load_stories(settings.stories_file)
    with closing(connect(settings)) as con:
        score_articles(con, stories)
    build(settings)
    with closing(connect(settings)) as con:
        return deliver_alerts(con, settings, stories, "test-run")


def _query(settings: Settings, sql: str) -> list[tuple]:
    with closing(duckdb.connect(str(settings.database), read_only=True)) as con:
        return con.execute(sql).fetchall()


def _jsonl(settings: Settings) -> list[dict]:
    path = settings.data_dir / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def live_and_replay(tmp_path_factory):
    """The story fed live in three runs (plus a rerun), and replayed in one run."""
    tmp_path = tmp_path_factory.mktemp("alerts")
    stories = _stories(tmp_path)
    live = _settings(tmp_path, "live", AS_OF_1).with_(stories_file=stories)
    fired = []
    for as_of, names in ((AS_OF_1, ("set",)), (AS_OF_2, ("moved",)), (AS_OF_3, ("off", "late"))):
        live = live.with_(as_of=as_of)
        fired.append(_run(live, *names).fired)
    rerun = _run(live)
    replay = _settings(tmp_path, "replay", AS_OF_3).with_(stories_file=stories)
    replayed = _run(replay, "set", "late", "moved", "off")
    return live, fired, rerun, replay, replayed


def test_live_runs_fire_announced_moved_cancelled_once_each(live_and_replay):
    live, fired, rerun, _, _ = live_and_replay
    assert fired == [1, 1, 1]
    rows = _query(live, ALERTS)
    assert [r[:5] for r in rows] == [
        ("announced", datetime(2022, 2, 25, 9), None, "2022-03-03", "art-set"),
        ("moved", datetime(2022, 2, 28, 16), "2022-03-03", "2022-03-08", "art-moved"),
        ("cancelled", datetime(2022, 3, 6, 11), "2022-03-08", "2022-03-08", "art-off"),
    ]
    assert [a["state_change"] for a in _jsonl(live)] == ["announced", "moved", "cancelled"]
    assert (rerun.fired, rerun.delivered) == (0, 0)  # the rerun fired and sent nothing


def test_a_replay_fires_the_alerts_of_the_live_runs(live_and_replay):
    live, _, _, replay, replayed = live_and_replay
    assert replayed.fired == 3
    assert _query(replay, ALERTS) == _query(live, ALERTS)
    assert _jsonl(replay) == _jsonl(live)


def _receiver(failures: int) -> Webhook:
    """A webhook that answers 500 to its first `failures` POSTs, then 200."""
    return Webhook(lambda alert_id, call: call > failures)


@pytest.mark.reliability(kind="fault", fault="the webhook answers 500 twice, then 200",
                         outcome="the failed deliveries wait in the outbox and go at the next run; "
                                 "each alert reaches the receiver exactly once", lost="nothing")
def test_a_failing_webhook_gets_each_alert_exactly_once_across_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(alerts_module, "BACKOFF_S", 0.0)
    receiver = _receiver(failures=2)
    try:
        settings = _settings(tmp_path, "hook", AS_OF_3).with_(
            stories_file=_stories(tmp_path, f"  - type: webhook\n    id: hook\n    url: {receiver.url}\n    retries: 1"))
        first = _run(settings, "set", "late", "moved", "off")
        ids = sorted(r[-1] for r in _query(settings, ALERTS))
        assert (first.fired, first.pending) == (3, 2)  # jsonl took all three; the webhook one of three
        second = _run(settings)
        assert (second.fired, second.delivered, second.pending) == (0, 2, 0)
        third = _run(settings)
        assert (third.fired, third.delivered, third.pending) == (0, 0, 0)
        assert sorted(receiver.received) == ids and receiver.calls == 5
        assert _query(settings, "select sum(attempts) from alerts.outbox where sink_id = 'hook'") == [(5,)]
    finally:
        receiver.close()


@pytest.mark.reliability(kind="fault", fault="a sink URL holds a token from the environment and the "
                                             "webhook and the Apprise service are down",
                         outcome="the deliveries wait in the outbox; logs and stored errors show *** "
                                 "for the token", lost="nothing")
def test_a_secret_in_a_sink_url_never_reaches_the_logs(tmp_path, monkeypatch, caplog):
    secret = "s3cr3t-t0ken-4711"
    monkeypatch.setenv("EVENTWATCH_TEST_TOKEN", secret)
    monkeypatch.setattr(alerts_module, "BACKOFF_S", 0.0)
    receiver = _receiver(failures=10**6)
    try:
        extra = (f"  - type: webhook\n    id: hook\n    url: {receiver.url}?token=${{EVENTWATCH_TEST_TOKEN}}\n"
                 f"    retries: 2\n"
                 "  - type: webhook\n    id: closed\n    url: http://user:${EVENTWATCH_TEST_TOKEN}@127.0.0.1:9/x\n"
                 "    retries: 1\n    timeout_s: 2\n"
                 "  - type: apprise\n    id: ntfy\n    url: json://127.0.0.1:9/${EVENTWATCH_TEST_TOKEN}")
        settings = _settings(tmp_path, "secret", AS_OF_3).with_(stories_file=_stories(tmp_path, extra))
        with caplog.at_level(logging.DEBUG):
            summary = _run(settings, "set", "moved", "off")
        assert summary.pending == 9  # three alerts for each of the three failing sinks
        errors = [e for (e,) in _query(settings, "select last_error from alerts.outbox where last_error is not null")]
        assert len(errors) == 9 and any("HTTP 500" in e for e in errors)
        assert secret not in caplog.text and all(secret not in e for e in errors)
        assert "***" in caplog.text
    finally:
        receiver.close()
