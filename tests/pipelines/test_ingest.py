"""The fetch stage end to end: real HTTP on 127.0.0.1, real archive, real DuckDB, the run's clock."""

from __future__ import annotations

import io
import os
import pty
import threading
from datetime import timedelta

import pytest

from pipelines.fetch.feeds import load_feeds
from pipelines.fetch.plan import plan_fetches
from pipelines.fetch.scheduler import fetch_and_archive
from pipelines.fetch.state import set_parked
from pipelines.load.records import record_fetch
from pipelines.load.reparse import reparse
from pipelines.store import archive
from pipelines.store.archive import ArchiveError
from pipelines.store.tables import ensure_schema
from tests.pipelines.conftest import T0
from tests.pipelines.feeds_fixtures import (
    ACCENTED_TITLE,
    ATOM_WITH_BASE,
    LATIN_TITLE,
    RSS_TWO_ITEMS,
    RSS_TWO_ITEMS_EDITED,
    rss_with_title,
)

MIN15 = timedelta(minutes=15)
DAY = timedelta(days=1)


def test_second_run_over_unchanged_feeds_is_conditional_and_writes_nothing(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    feed_server.serve("/harbour.xml", ATOM_WITH_BASE, etag=False)  # Last-Modified only
    ingest.feeds({"wire": feed_server.url("/wire.xml"), "harbour": feed_server.url("/harbour.xml")})
    first = ingest.run()
    assert (first.feeds_ok, first.total("seen"), first.total("new")) == (2, 4, 4)
    stored = ingest.all("select * from raw.entries order by entry_version_id")

    second = ingest.run(MIN15)
    assert (second.feeds_ok, second.feeds_not_modified, second.total("seen")) == (2, 2, 0)
    later = feed_server.requests[2:]
    assert len(later) == 2 and all("If-None-Match" in r["headers"] or "If-Modified-Since" in r["headers"]
                                   for r in later)
    assert ingest.all("select * from raw.entries order by entry_version_id") == stored
    assert ingest.all("select http_status, not_modified, entries_seen from raw.fetch_log where run_id = 'run-2'") \
        == [(304, True, 0), (304, True, 0)]


def test_feeds_not_due_are_not_requested_and_force_polls_them_conditionally(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    waiting = ingest.run(MIN15 / 3)
    assert waiting.outcomes == () and waiting.not_due == ("wire",) and len(feed_server.requests) == 1
    forced = ingest.run(MIN15 / 3, force=True)
    assert forced.feeds_not_modified == 1 and len(feed_server.requests) == 2
    assert feed_server.requests[-1]["headers"]["If-None-Match"]
    assert ingest.one("select forced from raw.fetch_log where run_id = 'run-3'") == (True,)


def test_same_bytes_without_validators_are_not_parsed_again(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS, conditional=False)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    again = ingest.run(MIN15)
    assert again.feeds_not_modified == 1 and again.total("seen") == 0
    assert ingest.one("select http_status, body_unchanged, archive_sha256 is not null from raw.fetch_log "
                      "where run_id = 'run-2'") == (200, True, True)


def test_a_changed_body_is_a_new_version(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    feed_server.then("/wire.xml", RSS_TWO_ITEMS_EDITED)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    edited = ingest.run(MIN15)
    assert (edited.total("new"), edited.total("new_versions"), edited.total("unchanged")) == (0, 1, 1)


@pytest.mark.reliability(
    kind="fault",
    fault="HTTP 429 with Retry-After: 3600, then the feed recovers",
    outcome="the failure is logged; the feed is not polled again for an hour, then loads and its failure count "
            "resets",
    lost="nothing: its entries load at the next poll")
def test_429_with_retry_after_sets_the_next_poll(ingest, feed_server):
    feed_server.serve("/busy.xml", b"", status=429, headers={"Retry-After": "3600"}, conditional=False)
    feed_server.then("/busy.xml", RSS_TWO_ITEMS)
    ingest.feeds({"busy": feed_server.url("/busy.xml")})
    assert ingest.run().feeds_failed == 1
    state = ingest.state("busy")
    assert state["next_poll_at"] == T0 + timedelta(hours=1) and state["next_poll_reason"] == "retry-after"
    assert ingest.one("select retry_after_s, http_status from raw.fetch_log") == (3600.0, 429)
    assert ingest.run(timedelta(minutes=59)).not_due == ("busy",) and len(feed_server.requests) == 1
    assert ingest.run(timedelta(hours=1)).feeds_ok == 1
    assert ingest.state("busy")["consecutive_failures"] == 0


@pytest.mark.reliability(
    kind="fault",
    fault="HTTP 503 twice, then the feed recovers",
    outcome="exponential backoff with jitter between polls, then a normal success; the last error stays on record",
    lost="nothing: its entries load when it recovers")
def test_503_backs_off_then_recovers_and_keeps_the_last_error(ingest, feed_server):
    feed_server.serve("/down.xml", b"", status=503, conditional=False)
    feed_server.then("/down.xml", b"", status=503, conditional=False)
    feed_server.then("/down.xml", RSS_TWO_ITEMS)
    ingest.feeds({"down": feed_server.url("/down.xml")})
    ingest.run()
    first = ingest.state("down")
    assert first["consecutive_failures"] == 1 and first["next_poll_reason"] == "backoff"
    assert T0 + MIN15 / 2 <= first["next_poll_at"] <= T0 + MIN15
    ingest.run(first["next_poll_at"])
    second = ingest.state("down")
    gap = second["next_poll_at"] - first["next_poll_at"]
    assert second["consecutive_failures"] == 2 and MIN15 <= gap <= 2 * MIN15  # doubled, with jitter
    ingest.run(second["next_poll_at"])
    recovered = ingest.state("down")
    assert recovered["consecutive_failures"] == 0 and recovered["last_success_at"] == second["next_poll_at"]
    assert recovered["last_error"] == "HTTP 503 Service Unavailable"


def test_max_age_delays_the_next_poll(ingest, feed_server):
    feed_server.serve("/cached.xml", RSS_TWO_ITEMS, headers={"Cache-Control": "public, max-age=7200"})
    ingest.feeds({"cached": feed_server.url("/cached.xml")})
    ingest.run()
    assert ingest.state("cached")["next_poll_at"] == T0 + timedelta(hours=2)
    assert ingest.run(timedelta(hours=1)).not_due == ("cached",)


@pytest.mark.reliability(
    kind="fault",
    fault="HTTP 500 on every poll, for days",
    outcome="parked after the configured number of consecutive failures and not polled, even with --force, until "
            "re-enabled; the other feed loads throughout",
    lost="that feed's entries while it is parked")
def test_parked_after_n_failures_until_enabled(ingest, feed_server):
    feed_server.serve("/gone-wrong.xml", b"", status=500, conditional=False)
    feed_server.serve("/fine.xml", RSS_TWO_ITEMS)
    ingest.feeds({"broken": feed_server.url("/gone-wrong.xml"), "fine": feed_server.url("/fine.xml")})
    ingest.policy(park_after=3)
    for day in range(3):
        ingest.run(day * DAY)
    state = ingest.state("broken")
    assert state["parked_at"] == T0 + 2 * DAY and state["parked_reason"].startswith("3 consecutive failures")
    forced = ingest.run(3 * DAY, force=True)
    assert forced.parked == ("broken",) and [o.feed_id for o in forced.outcomes] == ["fine"]
    assert len(feed_server.requests_to("/gone-wrong.xml")) == 3

    feed = next(f for f in load_feeds(ingest.feeds_file) if f.id == "broken")
    set_parked(ingest.con, feed, False, at=T0 + 3 * DAY)
    assert ingest.state("broken")["consecutive_failures"] == 0
    assert [p.feed_id for p in plan_fetches(ingest.con, ingest.settings.with_(as_of=T0 + 3 * DAY))] == ["broken"]
    ingest.run(3 * DAY + MIN15)
    assert len(feed_server.requests_to("/gone-wrong.xml")) == 4


@pytest.mark.reliability(
    kind="fault",
    fault="HTTP 410 Gone",
    outcome="the feed is parked at once, with the reason",
    lost="that feed's entries until `eventwatch feeds enable`")
def test_410_gone_parks_at_once(ingest, feed_server):
    feed_server.serve("/gone.xml", b"", status=410, conditional=False)
    ingest.feeds({"gone": feed_server.url("/gone.xml")})
    outcome = ingest.run().outcomes[0]
    assert not outcome.ok and outcome.parked and ingest.state("gone")["parked_reason"].startswith("HTTP 410")


def test_a_permanent_redirect_moves_the_feed_and_is_recorded(ingest, feed_server):
    feed_server.redirect("/old.xml", "/new.xml", 301)
    feed_server.serve("/new.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/old.xml")})
    outcome = ingest.run().outcomes[0]
    assert outcome.ok and outcome.moved_to == feed_server.url("/new.xml")
    assert ingest.state("wire")["url"] == feed_server.url("/new.xml")
    assert ingest.state("wire")["moved_from"] == feed_server.url("/old.xml")
    assert ingest.one("select moved_to, redirects from raw.fetch_log") == (
        feed_server.url("/new.xml"), f'[[301, "{feed_server.url("/new.xml")}"]]')
    ingest.run(MIN15)
    assert [r["path"] for r in feed_server.requests] == ["/old.xml", "/new.xml", "/new.xml"]
    assert feed_server.requests[-1]["headers"]["If-None-Match"]
    # the user edits the feeds file: their URL wins over the remembered move
    feed_server.serve("/elsewhere.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/elsewhere.xml")})
    ingest.run(2 * MIN15)
    assert feed_server.requests[-1]["path"] == "/elsewhere.xml"


def test_a_temporary_redirect_keeps_the_url(ingest, feed_server):
    feed_server.redirect("/feed.xml", "/today.xml", 302)
    feed_server.serve("/today.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/feed.xml")})
    ingest.run()
    assert ingest.state("wire")["url"] == feed_server.url("/feed.xml")
    assert ingest.one("select moved_to, final_url from raw.fetch_log") == (None, feed_server.url("/today.xml"))
    ingest.run(MIN15)
    assert [r["path"] for r in feed_server.requests] == ["/feed.xml", "/today.xml", "/feed.xml", "/today.xml"]


@pytest.mark.reliability(
    kind="fault",
    fault="five feeds failing in one run: HTML instead of a feed, a read timeout, HTTP 500, connection refused, a "
          "missing file",
    outcome="each failure is a raw.fetch_log row with its reason (the body archived where one came); the healthy "
            "feed loads",
    lost="those five polls")
def test_failures_of_every_kind_are_logged_and_stop_nothing(ingest, feed_server):
    feed_server.serve("/ok.xml", RSS_TWO_ITEMS)
    feed_server.serve("/html.xml", b"<html><body><p>Not a feed at all</p></body></html>",
                      headers={"Content-Type": "text/html"})
    feed_server.serve("/slow.xml", RSS_TWO_ITEMS, delay_s=10)
    feed_server.serve("/error.xml", b"", status=500, conditional=False)
    ingest.policy(read_timeout_s=0.5)
    ingest.feeds({"ok": feed_server.url("/ok.xml"), "html": feed_server.url("/html.xml"),
                  "slow": feed_server.url("/slow.xml"), "error": feed_server.url("/error.xml"),
                  "refused": "http://127.0.0.1:9/feed.xml", "missing": "file:///nonexistent/feed.xml"})
    summary = ingest.run()
    errors = {o.feed_id: o.error for o in summary.outcomes if not o.ok}
    assert summary.feeds_ok == 1 and set(errors) == {"html", "slow", "error", "refused", "missing"}
    assert errors["html"].startswith("not a feed") and "read timeout" in errors["slow"]
    logged = dict(ingest.all("select feed_id, archive_sha256 is not null from raw.fetch_log"))
    assert logged == {"ok": True, "html": True, "slow": False, "error": False, "refused": False, "missing": False}
    assert ingest.one("select http_status, bytes from raw.fetch_log where feed_id = 'refused'") == (None, None)


@pytest.mark.reliability(
    kind="fault",
    fault="one feed's server stalls while another feed waits its turn",
    outcome="the other feed is fetched while the slow one is still in flight",
    lost="nothing")
def test_one_slow_feed_never_holds_up_another(ingest, feed_server):
    fast_served = threading.Event()
    # the slow feed answers only once the fast one has been served, and the fast one only while
    # the slow one is waiting: fetched one after the other, slow first, the slow one times out;
    # fast first, the fast one never sees the slow one in flight
    feed_server.serve("/slow.xml", RSS_TWO_ITEMS, hold_until=fast_served)
    feed_server.serve("/fast.xml", RSS_TWO_ITEMS_EDITED, hold_until_path="/slow.xml", then_set=fast_served)
    ingest.policy(read_timeout_s=3, per_host=1)
    ingest.feeds({"slow": feed_server.url("/slow.xml", host="localhost"), "fast": feed_server.url("/fast.xml")})
    summary = ingest.run()
    assert summary.feeds_ok == 2
    assert "/slow.xml" in feed_server.requests_to("/fast.xml")[0]["in_flight"]


def test_per_host_limit(ingest, feed_server):
    urls = {}
    for i in range(4):
        # each response waits for a second request to its host (so two at a time must overlap),
        # then a moment more, in which a third one would show in max_in_flight
        for path, host in ((f"/a{i}.xml", "127.0.0.1"), (f"/b{i}.xml", "localhost")):
            feed_server.serve(path, RSS_TWO_ITEMS, hold_until_in_flight=2, hold_timeout_s=2, hold_s=0.2)
            urls[path[1:3]] = feed_server.url(path, host=host)
    ingest.feeds(urls)
    ingest.policy(per_host=2, max_parallel=8)
    assert ingest.run().feeds_ok == 8
    assert feed_server.max_in_flight == {"127.0.0.1": 2, "localhost": 2}


def test_progress_bar_only_on_a_terminal(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    piped = io.StringIO()
    ingest.run(progress_stream=piped)
    assert piped.getvalue() == ""
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as terminal:
        ingest.run(MIN15, progress_stream=terminal)
    drawn = os.read(master, 4096).decode()
    os.close(master)
    assert "fetch:" in drawn and "/1 [" in drawn


@pytest.mark.reliability(
    kind="fault",
    fault="the database write fails halfway through a feed's batch (its quarantine table dropped)",
    outcome="the fetch's whole transaction rolls back; the attempt is logged as 'load failed'; the next poll loads "
            "it all",
    lost="nothing once the table is back")
def test_a_failed_load_rolls_back_the_whole_batch(ingest, feed_server):
    # two more items share a guid with different content: both go to quarantine, after the first
    # item was already inserted in the same transaction
    ambiguous = b"""<item><title>Talks resume</title><guid>same</guid><description>One text.</description></item>
<item><title>Talks resume, updated</title><guid>same</guid><description>Another text.</description></item>
</channel>"""
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS.replace(b"</channel>", ambiguous))
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.con.execute("drop table raw.quarantine")  # so the quarantine write fails mid-batch
    outcome = ingest.run().outcomes[0]
    assert not outcome.ok and outcome.error.startswith("load failed: CatalogException")
    assert ingest.one("select count(*) from raw.entries") == (0,)
    assert ingest.one("select error like 'load failed%', entries_seen from raw.fetch_log") == (True, None)
    assert ingest.state("wire")["consecutive_failures"] == 1
    ensure_schema(ingest.con)
    again = ingest.run(DAY).outcomes[0]
    assert again.ok and (again.counts.new, again.counts.quarantined) == (2, 2)
    reasons = ingest.all("select reason from raw.quarantine")
    assert len(reasons) == 2 and all("with different content" in r[0] for r in reasons)


def test_recording_the_same_fetch_twice_changes_nothing(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    settings = ingest.settings
    (plan,) = plan_fetches(ingest.con, settings)
    fetched = fetch_and_archive(plan, settings)
    first = record_fetch(ingest.con, settings, "run-x", fetched)
    tables = ("raw.entries", "raw.fetch_log", "raw.feed_state", "raw.quarantine")
    before = {t: ingest.all(f"select * from {t} order by all") for t in tables}
    again = record_fetch(ingest.con, settings, "run-x", fetched)  # a retried Airflow task
    assert again == first and {t: ingest.all(f"select * from {t} order by all") for t in tables} == before


def test_reparse_rebuilds_the_entries_from_the_archive_without_the_network(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    feed_server.then("/wire.xml", RSS_TWO_ITEMS_EDITED)
    feed_server.serve("/harbour.xml", ATOM_WITH_BASE)
    ingest.feeds({"wire": feed_server.url("/wire.xml"), "harbour": feed_server.url("/harbour.xml")})
    ingest.run()
    ingest.run(DAY)
    entries = ("select * exclude (content_html) from raw.entries join raw.entry_details using (entry_version_id) "
               "order by entry_version_id")
    expected = ingest.all(entries)
    log = ingest.all("select * from raw.fetch_log order by fetch_id")
    requests = len(feed_server.requests)
    # what an older parser might have left behind: a lost entry and a garbled one
    ingest.con.execute("delete from raw.entries where feed_id = 'harbour' and title like 'Harbour%'")
    ingest.con.execute("update raw.entries set content_text = 'garbled' where feed_id = 'wire'")
    summary = reparse(ingest.con, ingest.settings)
    assert summary.fetches == 3 and summary.feeds == ("harbour", "wire")
    assert ingest.all(entries) == expected and ingest.all("select * from raw.fetch_log order by fetch_id") == log
    assert len(feed_server.requests) == requests


@pytest.mark.reliability(
    kind="fault",
    fault="the archive cannot be written (its directory is a file: the fast stand-in for a full disk)",
    outcome="the fetch stage stops with ArchiveError naming the feed; no fetch log row and no feed state are "
            "written, so the feed is still due and the next run fetches it",
    lost="nothing")
def test_an_archive_that_cannot_keep_a_body_stops_the_stage_and_records_nothing(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.con  # noqa: B018 - opening the connection makes the data dir exist...
    ingest.settings.archive_dir.write_text("not a directory")  # ...but no body can be stored under it
    with pytest.raises(ArchiveError, match="cannot archive the body of feed wire: "):
        ingest.run()
    assert ingest.one("select count(*) from raw.fetch_log") == (0,)
    assert ingest.one("select count(*) from raw.feed_state") == (0,)
    ingest.settings.archive_dir.unlink()
    again = ingest.run()
    assert again.feeds_ok == 1 and again.total("new") == 2

@pytest.mark.reliability(
    kind="fault",
    fault="an archived body deleted before `eventwatch reparse`",
    outcome="reparse refuses, naming the missing body, and changes no row",
    lost="nothing")
def test_reparse_refuses_when_a_body_is_missing(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    digest = ingest.one("select archive_sha256 from raw.fetch_log")[0]
    archive.path_for(ingest.settings.archive_dir, digest).unlink()
    with pytest.raises(FileNotFoundError, match="reparsing would lose their entries"):
        reparse(ingest.con, ingest.settings)
    assert ingest.one("select count(*) from raw.entries") == (2,)


@pytest.mark.reliability(
    kind="input",
    fault="HTTP charset headers that lie (UTF-8 sent as latin-1, cp1252 sent as UTF-8)",
    outcome="decoded right from the bytes; the lie is recorded in raw.fetch_log",
    lost="nothing")
def test_a_lying_charset_header_still_decodes_right(ingest, feed_server):
    feed_server.serve("/utf8-said-latin1.xml", rss_with_title(ACCENTED_TITLE, "utf-8", "utf-8"),
                      headers={"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    feed_server.serve("/cp1252-said-utf8.xml", rss_with_title(LATIN_TITLE, "utf-8", "cp1252"),
                      headers={"Content-Type": "text/xml; charset=utf-8"})
    ingest.feeds({"a": feed_server.url("/utf8-said-latin1.xml"), "b": feed_server.url("/cp1252-said-utf8.xml")})
    assert ingest.run().feeds_ok == 2
    assert dict(ingest.all("select feed_id, title from raw.entries")) == {"a": ACCENTED_TITLE, "b": LATIN_TITLE}
    logged = ingest.all("select feed_id, http_charset, encoding, encoding_source, bozo_reason from raw.fetch_log "
                        "order by feed_id")
    assert logged[0][:4] == ("a", "iso-8859-1", "utf_8", "utf-8") and "declared 'iso-8859-1'" in logged[0][4]
    assert logged[1][:4] == ("b", "utf-8", "cp1252", "detected") and "not valid UTF-8" in logged[1][4]


def test_gzip_transfer_and_a_gzipped_file_both_load(ingest, feed_server, tmp_path):
    import gzip

    feed_server.serve("/zipped.xml", ATOM_WITH_BASE, gzip=True)
    packed = tmp_path / "feed.xml.bin"
    packed.write_bytes(gzip.compress(RSS_TWO_ITEMS))  # sniffed from the bytes, not the name
    ingest.feeds({"zipped": feed_server.url("/zipped.xml"), "packed": packed.as_uri()})
    summary = ingest.run()
    assert summary.feeds_ok == 2 and summary.total("new") == 4
    assert ingest.one("select bytes from raw.fetch_log where feed_id = 'zipped'") == (len(ATOM_WITH_BASE),)


def test_editing_a_feeds_url_polls_it_at_once_even_when_parked_or_backing_off(ingest, feed_server):
    feed_server.serve("/gone.xml", b"", status=410, conditional=False)
    feed_server.serve("/down.xml", b"", status=500, conditional=False)
    feed_server.serve("/fixed.xml", RSS_TWO_ITEMS)
    feed_server.serve("/fixed-too.xml", ATOM_WITH_BASE)
    ingest.feeds({"gone": feed_server.url("/gone.xml"), "down": feed_server.url("/down.xml")})
    ingest.run()
    assert ingest.state("gone")["parked_at"] and ingest.state("down")["next_poll_at"] > T0 + MIN15 / 3
    ingest.feeds({"gone": feed_server.url("/fixed.xml"), "down": feed_server.url("/fixed-too.xml")})
    summary = ingest.run(MIN15 / 3)
    assert summary.feeds_ok == 2 and summary.parked == () and summary.not_due == ()
    assert ingest.state("gone")["parked_at"] is None and ingest.state("down")["consecutive_failures"] == 0
