"""A broken feed mixed into a good run never puts a single row into the marts; the good feeds load."""

from __future__ import annotations

import re
import shutil
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.e2e.test_run import CONTRACT_MARTS, run

pytestmark = pytest.mark.slow


def _marts(data_dir: Path) -> dict[str, list[tuple]]:
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        return {name: con.execute(f"select * from marts.{name} order by all").fetchall() for name in CONTRACT_MARTS}


@pytest.mark.reliability(
    kind="fault",
    fault="one feed of five broken in a run (one bogus templated item where it carries 21)",
    outcome="that feed's batch is held back whole; the other feeds load, a healthy feed's edit is published; no row"
            " of the broken batch reaches the marts",
    lost="the broken batch, kept in quarantine")
@pytest.mark.reliability(
    kind="input",
    fault="an item dated eight years in the future",
    outcome="held back from the marts, and the run warns about its date",
    lost="nothing")
def test_a_broken_feed_is_held_back_while_the_others_load(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    corpus, data_dir = seeds / "corpus", tmp_path / "data"
    first = run(data_dir, as_of="2022-02-23T12:00:00Z", feeds=seeds / "feeds.yml")
    assert first.returncode == 0, first.stderr[-3000:]
    before = _marts(data_dir)

    # kyiv-wire breaks: one item left of 21, and that one rewritten with a bogus title...
    wire = (corpus / "kyiv-wire.rss").read_text(encoding="utf-8")
    head, items = wire.split("<item>", 1)[0], re.findall(r"<item>.*?</item>", wire, flags=re.S)
    broken = re.sub(r"<title>.*?</title>", "<title>BROKEN TEMPLATE {{headline}}</title>", items[0], count=1, flags=re.S)
    (corpus / "kyiv-wire.rss").write_text(head + broken + "</channel></rss>\n", encoding="utf-8")
    # ...while the aggregator corrects a headline, as a healthy feed does, and carries one item
    # whose clock is years off
    aggregator = corpus / "wire-aggregator.rss"
    future = ("<item><title>Summit set for a date years away</title><link>https://aggregator.example/far-future</link>"
              "<pubDate>Mon, 07 Jan 2030 10:00:00 +0000</pubDate><description>Envoys agreed to meet much later."
              "</description></item>")
    aggregator.write_text(aggregator.read_text(encoding="utf-8").replace(
        "<title>Blinken calls off Geneva meeting with Lavrov</title>",
        "<title>Blinken calls off Feb. 24 Geneva meeting with Lavrov</title>").replace(
        "</channel>", future + "</channel>"), encoding="utf-8")

    second = run(data_dir, "--force", as_of="2022-02-23T13:00:00Z", feeds=seeds / "feeds.yml")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "feed kyiv-wire failed: feed batch held back: volume dropped to 1 entries from a usual 21" in second.stdout
    after = _marts(data_dir)

    assert "warning raw_entries: expect_column_values_to_be_between on published_at: 1 of" in second.stdout
    bad = ("BROKEN TEMPLATE", "Summit set for a date years away")
    assert not any(b in str(value) for rows in after.values() for row in rows for value in row for b in bad)
    assert len(after["articles"]) == len(before["articles"])
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as snap:
        titles = {title for (title,) in snap.execute("select title from marts.articles").fetchall()}
    assert "Blinken calls off Feb. 24 Geneva meeting with Lavrov" in titles  # the healthy feed's edit went through
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        held = con.execute("select count(*), min(reason) from raw.quarantine where feed_id = 'kyiv-wire'").fetchone()
        assert held[0] == 1 and held[1].startswith("feed batch held back: volume dropped")
