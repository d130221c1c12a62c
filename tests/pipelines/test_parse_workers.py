"""Feeds and article pages parsed in worker processes (pipelines.parse.workers): real HTTP on
127.0.0.1, real spawned processes, real DuckDB. What a run stores must not depend on where it parsed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from pipelines.parse import workers
from tests.pipelines.conftest import T0, Ingest
from tests.pipelines.page_fixtures import STORY, article_page, rss
from tests.pipelines.test_pages import _setup

REPO = Path(__file__).resolve().parents[2]
SAMPLE_FEEDS = sorted(p for p in (REPO / "seeds" / "corpus").iterdir() if p.is_file() and p.suffix != ".md")


def _serve(feed_server) -> dict[str, str]:
    """The sample corpus's feeds and a teaser feed whose pages carry the text, all over HTTP."""
    urls = {}
    for path in SAMPLE_FEEDS:
        feed_server.serve(f"/{path.name}", path.read_bytes())
        urls[path.stem.replace(".", "-")] = feed_server.url(f"/{path.name}")
    items = []
    for i in range(3):
        feed_server.serve(f"/page-{i}.html", article_page(f"Ministers meet, part {i}", [f"Part {i}.", *STORY]))
        items.append({"title": f"Part {i}", "link": feed_server.url(f"/page-{i}.html"), "guid": f"part-{i}",
                      "description": "A teaser.", "pubDate": "Mon, 10 Jan 2022 09:00:00 GMT"})
    feed_server.serve("/teasers.xml", rss(items))
    urls["teasers"] = feed_server.url("/teasers.xml")
    return urls


def _stored(ingest: Ingest) -> dict[str, list]:
    """What the fetch stored, without the run-specific ids and the order feeds happened to finish in."""
    return {
        "entries": ingest.all("select * exclude (fetch_id) from raw.entries order by all"),
        "pages": ingest.all("select * exclude (last_checked_at) from raw.page_state order by all"),
        "quarantine": ingest.all("select stage, record_key, reason from raw.quarantine order by all"),
        "log": ingest.all("select feed_id, error, entries_seen, entries_new, bozo_reason, feed_format "
                          "from raw.fetch_log order by all"),
    }


def _fetch(tmp_path: Path, name: str, urls: dict[str, str]) -> Ingest:
    (tmp_path / name).mkdir()
    ingest = Ingest(tmp_path / name)
    _setup(ingest, {})  # page politeness fit for a test
    rows = [{"id": k, "url": v, **({"full_text": "always"} if k == "teasers" else {})} for k, v in urls.items()]
    ingest.feeds_file.write_text(yaml.safe_dump({"feeds": rows}))
    ingest.run(T0)
    return ingest


def test_parsing_in_worker_processes_stores_what_parsing_in_process_stores(tmp_path, feed_server, monkeypatch,
                                                                          caplog):
    urls = _serve(feed_server)
    monkeypatch.setenv("EVENTWATCH_PARSE_WORKERS", "1")
    here = _fetch(tmp_path, "here", urls)
    monkeypatch.setenv("EVENTWATCH_PARSE_WORKERS", "2")
    monkeypatch.setattr(workers, "MIN_BYTES", 0)  # start the pool at once, small as these feeds are
    with caplog.at_level(logging.DEBUG, logger="pipelines.parse.workers"):
        there = _fetch(tmp_path, "there", urls)
    assert "parsing in 2 worker processes" in caplog.text
    stored = _stored(here)
    assert _stored(there) == stored
    assert len(stored["entries"]) > 20 and [p for p in stored["pages"] if "ok" in p]  # pages were parsed too
    here.close()
    there.close()


@pytest.mark.reliability(kind="crash", fault="a parse worker process is SIGKILLed as it begins a feed",
                         outcome="the feeds it held fail with 'the parse worker died' and are polled again; "
                                 "the rest of the run parses in-process and loads",
                         lost="nothing: the bodies stay archived and the next run loads them")
def test_a_parse_worker_that_dies_fails_its_feeds_and_the_next_run_loads_them(tmp_path, feed_server, monkeypatch):
    urls = _serve(feed_server)
    monkeypatch.setenv("EVENTWATCH_PARSE_WORKERS", "2")
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setenv("EVENTWATCH_CRASH_AT", "parse_worker")
    ingest = _fetch(tmp_path, "crash", urls)
    failed = ingest.all("select feed_id, error from raw.fetch_log where error is not null")
    assert failed and all("the parse worker died" in error for _, error in failed)
    assert len(failed) < len(urls)  # after the pool broke, the others parsed in-process and loaded
    monkeypatch.delenv("EVENTWATCH_CRASH_AT")
    ingest.run(T0, force=True)
    assert ingest.one("select count(distinct feed_id) from raw.entries") == (len(urls),)
    ingest.close()
