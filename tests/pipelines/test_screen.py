"""Feed-batch screens: a feed that breaks is held back whole, with its reasons, and the others load."""

from datetime import timedelta

import pytest

from tests.pipelines.feeds_fixtures import RSS_TWO_ITEMS

DAY = timedelta(days=1)


def _feed(items: int, *, titled: bool = True, tag: str = "a") -> bytes:
    """An RSS feed of `items` items of our own words; untitled items keep their link and text."""
    body = "".join(
        f"<item>{f'<title>Envoys meet, round {tag}{n}</title>' if titled else ''}"
        f"<link>https://wire.example/2022/01/{tag}{n}</link>"
        f"<description>Round {tag}{n} of the talks ended without a statement.</description></item>"
        for n in range(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>{body}</channel></rss>'.encode()


@pytest.mark.reliability(
    kind="fault",
    fault="a broken feed: 2 items where it usually carries 20",
    outcome="its whole batch is held back in raw.quarantine and the fetch fails; the other feed of the run loads",
    lost="that feed's batch, kept in quarantine")
def test_a_volume_drop_of_90_percent_holds_back_the_batch(ingest, feed_server):
    feed_server.serve("/wire.xml", _feed(20))
    feed_server.serve("/other.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/wire.xml"), "other": feed_server.url("/other.xml")})
    assert ingest.run().feeds_ok == 2
    feed_server.serve("/wire.xml", _feed(2, tag="b"))  # a broken feed: 2 items where it carries 20
    feed_server.serve("/other.xml", RSS_TWO_ITEMS.replace(b"quiet day", b"busy day"))
    summary = ingest.run(DAY)
    wire, other = (next(o for o in summary.outcomes if o.feed_id == f) for f in ("wire", "other"))
    assert not wire.ok and wire.error == ("feed batch held back: volume dropped to 2 entries from a usual 20 "
                                          "(at most 10% of it)")
    assert (wire.counts.seen, wire.counts.quarantined) == (2, 2)
    assert other.ok and other.counts.new_versions == 1  # the good feed in the same run loads as usual
    assert ingest.one("select count(*) from raw.entries where feed_id = 'wire' and canonical_url like '%/b%'") == (0,)
    reasons = ingest.all("select distinct reason from raw.quarantine where feed_id = 'wire'")
    assert reasons == [(wire.error,)]
    assert ingest.state("wire")["consecutive_failures"] == 1


def test_a_quiet_day_is_not_a_broken_feed(ingest, feed_server):
    feed_server.serve("/wire.xml", _feed(20))
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    feed_server.serve("/wire.xml", _feed(3, tag="b"))  # 15 % of the usual volume: kept
    (outcome,) = ingest.run(DAY).outcomes
    assert outcome.ok and outcome.counts.new == 3


@pytest.mark.reliability(
    kind="fault",
    fault="every title vanishing from a feed that always had titles",
    outcome="the whole batch is held back in raw.quarantine and the fetch fails",
    lost="that feed's batch, kept in quarantine")
def test_titles_vanishing_from_a_titled_feed_hold_back_the_batch(ingest, feed_server):
    feed_server.serve("/wire.xml", _feed(12))
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    feed_server.serve("/wire.xml", _feed(12, titled=False, tag="b"))
    (outcome,) = ingest.run(DAY).outcomes
    assert not outcome.ok and outcome.error == ("feed batch held back: 100% of the entries have no title, "
                                                "where the feed usually has 0%")
    assert ingest.one("select count(*) from raw.entries where title is null") == (0,)


def test_a_feed_that_never_had_titles_is_not_held_back(ingest, feed_server):
    feed_server.serve("/wire.xml", _feed(12, titled=False))
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    feed_server.serve("/wire.xml", _feed(12, titled=False, tag="b"))
    (outcome,) = ingest.run(DAY).outcomes
    assert outcome.ok and outcome.counts.new == 12
