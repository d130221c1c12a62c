"""Overlapping writers: one run lock per data dir, with real `eventwatch` processes.

The first writer is held inside the lock deterministically: its feed is served by a feed_server
route that answers only when the test says so, so the first run sits in fetch, holding the lock
and the working database, while the second one starts.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.settings import DEFAULT_LOCK_WAIT_S, Settings
from pipelines.store.runlock import run_lock
from tests.conftest import REPO

EVENTWATCH = str(Path(sys.executable).parent / "eventwatch")
CORPUS = REPO / "seeds" / "corpus"
AS_OF = "2022-02-23T12:00:00Z"
HOLDER = """
import sys, time
from pathlib import Path
from pipelines.settings import Settings
from pipelines.stages import writing
with writing(Settings(data_dir=Path(sys.argv[1]), feeds_file=Path(sys.argv[2])), "holder", "run-held"):
    print("held", flush=True)
    time.sleep(600)
"""


def _feeds(tmp_path: Path, feed_server) -> Path:
    """The sample feeds, with kyiv-wire served over HTTP by a response that waits for the test."""
    feed_server.serve("/kyiv-wire.rss", (CORPUS / "kyiv-wire.rss").read_bytes(), delay_s=300)
    feeds = yaml.safe_load((REPO / "seeds" / "feeds.yml").read_text())["feeds"]
    for feed in feeds:
        feed["url"] = feed_server.url("/kyiv-wire.rss") if feed["id"] == "kyiv-wire" else str(REPO / "seeds" / feed["url"])
    path = tmp_path / "feeds.yml"
    path.write_text(yaml.safe_dump({"feeds": feeds}))
    return path


def _eventwatch(*args: str, wait_s: float | None = None, **popen) -> dict:
    """Keyword arguments for subprocess.run / Popen of one `eventwatch` command."""
    env = {**os.environ, **({"EVENTWATCH_LOCK_WAIT_S": str(wait_s)} if wait_s is not None else {})}
    return dict(args=[EVENTWATCH, *args], env=env, cwd=REPO, text=True, **popen)


def _wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


@pytest.mark.slow
@pytest.mark.reliability(kind="fault", fault="a second `eventwatch run` starts while one is running",
                         outcome="it waits EVENTWATCH_LOCK_WAIT_S, then exits 1 with one line naming the running "
                                 "run, its pid, host and start time; the first run publishes",
                         lost="nothing: the second run did nothing")
def test_a_second_run_while_one_runs_waits_then_names_the_holder(tmp_path, feed_server):
    feeds, data = _feeds(tmp_path, feed_server), tmp_path / "data"
    command = ("run", "--feeds", str(feeds), "--data-dir", str(data), "--as-of", AS_OF)
    first = subprocess.Popen(**_eventwatch(*command, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    try:
        _wait_for(lambda: feed_server.requests_to("/kyiv-wire.rss"), 180, "the first run to reach fetch")
        second = subprocess.run(**_eventwatch(*command, wait_s=1.5, capture_output=True, timeout=300))
    finally:
        feed_server.released.set()  # the held response goes out: the first run carries on
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-3000:]
    run_id = re.search(r"^run (\S+)$", out, flags=re.M).group(1)
    assert second.returncode == 1 and "Could not set lock" not in second.stderr
    line = _last_line(second.stderr)
    assert line.startswith(f"eventwatch run: busy: {data.resolve()} is in use: held by `eventwatch run ")
    assert f"(run, run {run_id}), pid {first.pid} on " in line and re.search(r"since \d{4}-\d\d-\d\dT", line)
    assert line.endswith("gave up after waiting 1.5 s (EVENTWATCH_LOCK_WAIT_S)")
    with closing(duckdb.connect(str(data / "eventwatch.duckdb"), read_only=True)) as con:
        assert con.execute("select count(distinct run_id) from raw.fetch_log").fetchone() == (1,)


@pytest.mark.slow
@pytest.mark.reliability(kind="fault", fault="`eventwatch fetch --force` starts while another fetch is running",
                         outcome="it waits for the lock, then fetches after the first one finished",
                         lost="nothing")
def test_a_waiting_writer_goes_ahead_when_the_holder_finishes(tmp_path, feed_server):
    feeds, data = _feeds(tmp_path, feed_server), tmp_path / "data"
    command = ("fetch", "--feeds", str(feeds), "--data-dir", str(data), "--as-of", AS_OF)
    first = subprocess.Popen(**_eventwatch(*command, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    second_err = tmp_path / "second.err"
    try:
        _wait_for(lambda: feed_server.requests_to("/kyiv-wire.rss"), 180, "the first fetch to start")
        with second_err.open("w") as err_file:
            second = subprocess.Popen(**_eventwatch(*command, "--force", wait_s=300, stdout=subprocess.PIPE,
                                                    stderr=err_file))
        _wait_for(lambda: "waits up to 300 s" in second_err.read_text(), 180, "the second fetch to wait")
        assert second.poll() is None and len(feed_server.requests_to("/kyiv-wire.rss")) == 1
    finally:
        feed_server.released.set()
    assert first.wait(timeout=300) == 0, first.stderr.read()[-3000:]
    assert second.wait(timeout=300) == 0, second_err.read_text()[-3000:]
    with closing(duckdb.connect(str(data / "eventwatch.duckdb"), read_only=True)) as con:
        runs = con.execute("select run_id, min(fetched_at) from raw.fetch_log where feed_id = 'kyiv-wire' "
                           "group by run_id").fetchall()
    assert len(runs) == 2 and len(feed_server.requests_to("/kyiv-wire.rss")) == 2


@pytest.mark.reliability(kind="crash", fault="the process holding the run lock is killed with SIGKILL",
                         outcome="while it lives, writers give up naming it and `query --live` says the database "
                                 "is being written (the snapshot stays readable); once it dies the lock is free",
                         lost="whatever the killed writer had not committed")
def test_query_live_is_refused_while_a_writer_holds_the_lock_and_kill_9_frees_it(tmp_path):
    data, feeds = tmp_path / "data", tmp_path / "feeds.yml"
    feeds.write_text(yaml.safe_dump({"feeds": [{"id": "wire", "url": "https://wire.example/rss"}]}))
    (data / "published").mkdir(parents=True)
    duckdb.connect(str(data / "published" / "eventwatch.duckdb")).execute(
        "create schema marts; create table marts.t as select 42 as answer").close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data), str(feeds)], cwd=REPO, text=True,
                              stdout=subprocess.PIPE)
    common = ("--data-dir", str(data), "--feeds", str(feeds))
    try:
        assert holder.stdout.readline().strip() == "held"
        live = subprocess.run(**_eventwatch("query", "select 1", "--live", *common, capture_output=True, timeout=120))
        assert live.returncode == 1 and live.stderr.count("\n") == 1 and "Could not set lock" not in live.stderr
        assert live.stderr.startswith("eventwatch query: busy: the working database is being written (held by ")
        assert f"(holder, run run-held), pid {holder.pid} on " in live.stderr
        snapshot = subprocess.run(**_eventwatch("query", "select answer from marts.t", "--format", "csv", *common,
                                                capture_output=True, timeout=120))
        assert snapshot.returncode == 0 and snapshot.stdout.splitlines() == ["answer", "42"]
        disable = subprocess.run(**_eventwatch("feeds", *common, "disable", "wire", wait_s=0.2, capture_output=True,
                                               timeout=120))
        assert disable.returncode == 1 and f"pid {holder.pid}" in _last_line(disable.stderr)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    disable = subprocess.run(**_eventwatch("feeds", *common, "disable", "wire", wait_s=0, capture_output=True,
                                           timeout=120))
    assert disable.returncode == 0, disable.stderr
    live = subprocess.run(**_eventwatch("query", "select count(*) from raw.feed_state where parked_at is not null", "--live",
                                        "--format", "csv", *common, capture_output=True, timeout=120))
    assert live.returncode == 0 and live.stdout.splitlines() == ["count_star()", "1"], live.stderr


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", lock_wait_s=0)
    with run_lock(settings, "run", "r1"), run_lock(settings, "fetch", "r1"), run_lock(settings, "check", "r1"):
        assert "r1" in (tmp_path / "data" / "eventwatch.lock").read_text()
    assert (tmp_path / "data" / "eventwatch.lock").read_text() == ""  # released: no holder details left


@pytest.mark.parametrize("raw, expected", [(None, DEFAULT_LOCK_WAIT_S), ("", DEFAULT_LOCK_WAIT_S), ("2.5", 2.5),
                                           ("0", 0.0), ("soon", ValueError), ("-1", ValueError), ("nan", ValueError)])
def test_lock_wait_from_the_environment(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("EVENTWATCH_LOCK_WAIT_S", raising=False)
    else:
        monkeypatch.setenv("EVENTWATCH_LOCK_WAIT_S", raw)
    if expected is ValueError:
        with pytest.raises(ValueError, match="EVENTWATCH_LOCK_WAIT_S"):
            Settings.from_env()
    else:
        assert Settings.from_env().lock_wait_s == expected
