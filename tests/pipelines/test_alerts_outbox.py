"""The alerts outbox at a big story's size: queued and recorded in bulk, each alert still delivered once.

marts.alerts is written here by hand (the dbt side is tests/transform/test_alerts.py), with more
alerts than one recording batch holds, and a webhook that refuses every third alert once.
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import datetime, timedelta

import pytest

from pipelines.settings import Settings
from pipelines.store.connection import connect
from pipelines.stories import alerts as alerts_module
from pipelines.stories.alerts import deliver_alerts
from pipelines.stories.file import load_stories
from tests.webhook import Webhook

COUNT = 150  # more than two recording batches (alerts._RECORD_EVERY)
AS_OF = datetime(2022, 1, 20, 12, 0)


def _hook(refuse: set[str]) -> Webhook:
    """A webhook that refuses each alert in `refuse` once (HTTP 503), then takes it."""
    refuse = set(refuse)

    def accepts(alert_id: str, call: int) -> bool:
        refused = alert_id in refuse
        refuse.discard(alert_id)
        return not refused

    return Webhook(accepts, refusal=503)


def _ids() -> list[str]:
    return [f"alert-{i:04d}" for i in range(COUNT)]


def _settings(tmp_path, hook_url: str) -> Settings:
    stories = tmp_path / "stories.yml"
    stories.write_text("stories:\n  - id: talks\n    name: Security talks\n    keywords: [talks]\n"
                       f"sinks:\n  - type: jsonl\n    path: alerts.jsonl\n"
                       f"  - type: webhook\n    id: hook\n    url: {hook_url}\n    retries: 1\n", encoding="utf-8")
    feeds = tmp_path / "feeds.yml"
    feeds.write_text("feeds: []\n", encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", feeds_file=feeds, as_of=AS_OF, stories_file=stories)


def _marts_alerts(con) -> None:
    """A marts.alerts of COUNT rows, in report order by index."""
    con.execute("create schema if not exists marts")
    con.execute("create table marts.alerts (alert_id varchar, story_id varchar, rule varchar, "
                "fired_at timestamp, message varchar)")
    con.execute("insert into marts.alerts select printf('alert-%04d', i), 'talks', 'deadline_changed', "
                "?::timestamp + to_minutes(i), printf('The talks moved (%d).', i) from range(?) as t(i)",
                [AS_OF - timedelta(days=1), COUNT])


@pytest.mark.reliability(kind="fault", fault="150 alerts at once (more than two recording batches), a webhook "
                                             "that refuses every third one once",
                         outcome="every alert is queued once per sink; the refused ones wait in the outbox with "
                                 "their attempts and go at the next run; each reaches the webhook exactly once",
                         lost="nothing")
def test_many_alerts_are_queued_and_recorded_in_bulk_and_each_is_delivered_once(tmp_path, monkeypatch):
    monkeypatch.setattr(alerts_module, "BACKOFF_S", 0.0)
    refused = set(_ids()[::3])
    hook = _hook(refused)
    try:
        settings = _settings(tmp_path, hook.url)
        stories = load_stories(settings.stories_file)
        with closing(connect(settings)) as con:
            _marts_alerts(con)
            first = deliver_alerts(con, settings, stories, "run-1")
            assert (first.fired, first.delivered, first.pending) == (COUNT, 2 * COUNT - len(refused), len(refused))
            waiting = con.execute("select alert_id, attempts, last_error from alerts.outbox "
                                  "where delivered_at is null order by alert_id").fetchall()
            assert waiting == [(a, 1, f"webhook {hook.url[:-5]}/hook: HTTP 503 after 1 attempts") for a in sorted(refused)]
            second = deliver_alerts(con, settings, stories, "run-2")
            third = deliver_alerts(con, settings, stories, "run-3")
            assert (second.fired, second.delivered, second.pending) == (0, len(refused), 0)
            assert (third.fired, third.delivered, third.pending) == (0, 0, 0)
            assert con.execute("select sink_id, count(*), count(delivered_at), sum(attempts) from alerts.outbox "
                               "group by 1 order by 1").fetchall() == [
                ("hook", COUNT, COUNT, COUNT + len(refused)), ("jsonl-1", COUNT, COUNT, COUNT)]
            fired = con.execute("select alert_id, story_id, queued_at, run_id from alerts.fired order by 1").fetchall()
            assert fired == [(a, "talks", AS_OF, "run-1") for a in _ids()]
        assert sorted(hook.received) == _ids() and hook.calls == COUNT + len(refused)
        lines = (settings.data_dir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["alert_id"] for line in lines] == _ids()  # in report order, once each
    finally:
        hook.close()
