"""`dag.test()` of ingest then transform over the sample corpus gives the same marts as the CLI."""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from pipelines.fetch.feeds import load_feeds
from tests.conftest import REPO, SAMPLE_FEEDS
from tests.e2e.test_run import CONTRACT_MARTS

pytestmark = pytest.mark.slow
AS_OF = "2022-01-20T12:00:00+00:00"


def _marts(data_dir: Path) -> dict[str, list[tuple]]:
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        return {name: con.execute(f"select * from marts.{name} order by all").fetchall() for name in CONTRACT_MARTS}


def test_ingest_then_transform_equals_the_cli_run(airflow_home, tmp_path):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    bag = DagBag(dag_folder=str(REPO / "dags"))
    conf = {"as_of": AS_OF, "feeds": str(SAMPLE_FEEDS), "data_dir": str(tmp_path / "airflow-data")}
    for dag_id in ("ingest", "transform"):
        run = bag.get_dag(dag_id).test(run_conf=conf)
        assert run.state == DagRunState.SUCCESS, f"{dag_id} ended {run.state}"
        if dag_id == "ingest":  # each mapped fetch is named by its feed in the grid
            names = sorted(ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "fetch_feed")
            assert names == sorted(feed.id for feed in load_feeds(SAMPLE_FEEDS))

    cli_dir = tmp_path / "cli-data"
    result = subprocess.run([str(Path(sys.executable).parent / "eventwatch"), "run", "--feeds", str(SAMPLE_FEEDS),
                             "--data-dir", str(cli_dir), "--as-of", AS_OF], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]

    via_airflow, via_cli = _marts(tmp_path / "airflow-data"), _marts(cli_dir)
    assert all(via_cli[name] for name in CONTRACT_MARTS)
    for name in CONTRACT_MARTS:
        assert via_airflow[name] == via_cli[name], f"marts.{name} differs between Airflow and the CLI"


def test_ingest_rechecks_article_pages_and_an_edit_becomes_a_version(airflow_home, tmp_path, feed_server):
    """A teaser feed whose article page is edited after first sight: the second ingest run, an hour
    later, re-checks the page (the feed itself is unchanged) and stores the edit as a new version."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    from tests.pipelines.page_fixtures import EDIT, STORY, article_page, rss

    feed_server.serve("/riga.html", article_page("Ministers to meet in Riga", STORY))
    feed_server.then("/riga.html", article_page("Ministers to meet in Riga", [EDIT, *STORY]))
    feed_server.serve("/feed.xml", rss([{"title": "Ministers to meet", "link": feed_server.url("/riga.html"),
                                         "guid": "riga-1", "description": "Ministers will meet in Riga.",
                                         "pubDate": "Mon, 10 Jan 2022 09:00:00 GMT"}]))
    feeds = tmp_path / "feeds.yml"
    feeds.write_text(f"feeds:\n  - id: desk\n    url: {feed_server.url('/feed.xml')}\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    ingest = DagBag(dag_folder=str(REPO / "dags")).get_dag("ingest")
    for as_of in ("2022-01-10T12:00:00+00:00", "2022-01-10T13:30:00+00:00"):
        run = ingest.test(run_conf={"as_of": as_of, "feeds": str(feeds), "data_dir": str(data_dir), "force": True})
        assert run.state == DagRunState.SUCCESS, run.state

    assert len(feed_server.requests_to("/riga.html")) == 2
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        texts = con.execute("select content_text from raw.entries order by first_seen_at").fetchall()
    assert [text.split("\n\n")[0] for (text,) in texts] == [STORY[0], EDIT]
