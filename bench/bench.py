"""eventwatch benchmark: throughput of each stage and wall time of whole runs, against targets.

`make bench` runs this; it prints a table, writes bench/results.json, and exits non-zero when a
target in BENCHMARKS.md is missed. Timings are wall-clock on whatever machine runs it: compare
figures from the same machine only. Scaled inputs are the sample corpus's items repeated with
distinct links, so they parse, load and extract like the real thing.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from pipelines.extract import extract_article, load_gazetteer
from pipelines.fetch import pages
from pipelines.fetch.feeds import Feed
from pipelines.fetch.polling import PagePolicy
from pipelines.load.entries import load_entries
from pipelines.parse.feed import parse_feed
from pipelines.settings import Settings
from pipelines.store.tables import ensure_schema

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "seeds" / "corpus" / "kyiv-wire.rss"

# stage: (unit, minimum per second) or (unit, maximum seconds)
TARGETS = {
    "parse": ("entries/s", 1000.0, "min"),
    "load": ("entries/s", 10000.0, "min"),
    "extract": ("articles/s", 100.0, "min"),
    "pages": ("pages/s", 10.0, "min"),
    "run_sample_corpus": ("s", 60.0, "max"),
    "rerun_unchanged": ("s", 45.0, "max"),
    "dag_parse": ("s", 1.0, "max"),
    "dashboard_page": ("s", 0.5, "max"),
    "dashboard_query_1m": ("s", 0.5, "max"),
    "story_articles_per_s": ("art/s", 50.0, "min"),
    "story_noop_over_first": ("%", 10.0, "max"),
    "story_peak_rss": ("MiB", 1536.0, "max"),
}

# what each dashboard page queries (pipelines/dashboard/pages/), cold: a fresh snapshot connection per page
_AS_OF = datetime(2022, 2, 23, 12)
_JAN_5 = datetime(2022, 1, 5, 23, 59, 59)
_WINDOW = {"past_days": 30, "ahead_days": 60}
DASHBOARD_PAGES = {
    "calendar": [("snapshot_info", ()), ("deadline_summary", (_AS_OF,), _WINDOW),
                 ("deadline_summary", (_AS_OF,), {"past_days": 0, "ahead_days": 7, "short_only": True}),
                 ("due_within", (_AS_OF, 7)), ("deadlines", (_AS_OF,), _WINDOW),
                 ("deadline_summary", (_AS_OF,)), ("deadlines", (_AS_OF,)),
                 ("deadline_history", (_AS_OF, "@paris")), ("deadline_reports", (_AS_OF, "@paris")),
                 ("deadline_claims", (_AS_OF, "@paris"))],
    "claims": [("snapshot_info", ()), ("claim_options", (_AS_OF,)), ("claim_cluster_count", (_AS_OF,)),
               ("claim_count", (_AS_OF,)), ("claim_clusters", (_AS_OF,)), ("claims", (_AS_OF,)),
               ("claim_cluster_count", (_AS_OF,), {"search": "Lavrov"}),
               ("claim_count", (_AS_OF,), {"search": "Lavrov"}),
               ("claim_clusters", (_AS_OF,), {"search": "Lavrov"}), ("claims", (_AS_OF,), {"search": "Lavrov"})],
    "actors": [("snapshot_info", ()), ("actor_types", ()),
               ("top_actors", (_AS_OF,), {"limit": 25, "types": ("person", "organization")}),
               ("co_mentions", (_AS_OF,), {"limit": 12}), ("actor_activity", (_AS_OF, ["vladimir-putin", "joe-biden"])),
               ("actor_options", (_AS_OF,)), ("actor_claim_count", (_AS_OF, "vladimir-putin")),
               ("actor_claims", (_AS_OF, "vladimir-putin")),
               ("co_mentions", (_AS_OF,), {"actor_id": "vladimir-putin", "limit": 20}),
               ("actor_mention_count", (_AS_OF, "vladimir-putin")), ("actor_mentions", (_AS_OF, "vladimir-putin"))],
    "feeds": [("snapshot_info", ()), ("feed_health", (_AS_OF,)), ("articles_per_day", (_AS_OF,)),
              ("gate_results", (_AS_OF,)), ("quarantined", (_AS_OF,)), ("last_run", (_AS_OF,))],
    "as_of": [("snapshot_info", ()), ("reported_on", (_JAN_5,)), ("deadline_summary", (_JAN_5,)),
              ("statuses_then_and_now", (_JAN_5, _AS_OF))],
}

# Parses each DAG file as the dag-processor does (Airflow already imported) and prints seconds per file.
_PARSE_DAGS = """
import json, sys, time
from pathlib import Path
import airflow.sdk
from airflow.dag_processing.dagbag import DagBag
times = {}
for path in sorted(Path(sys.argv[1]).glob("*.py")):
    started = time.perf_counter()
    bag = DagBag(dag_folder=str(path))
    times[path.name] = time.perf_counter() - started
    assert not bag.import_errors, bag.import_errors
print(json.dumps(times))
"""


def _scaled_feed(copies: int) -> bytes:
    """The sample RSS feed with its items repeated `copies` times, each copy with its own links."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("<item>", 1)
    body, tail = ("<item>" + rest).rsplit("</item>", 1)
    items = body + "</item>"
    scaled = "".join(re.sub(r"(https://kyivwire\.example/[^<\"]+)", rf"\1-{n}", items) for n in range(copies))
    return (head + scaled + tail).encode("utf-8")


def _timed(func):
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def bench_stages(copies: int) -> dict:
    body = _scaled_feed(copies)
    parsed, parse_s = _timed(lambda: parse_feed(body))
    entries = list(parsed.entries)
    # warm up: the first Arrow registration imports pandas (about half a second), once per process
    with closing(duckdb.connect()) as warm:
        ensure_schema(warm)
        load_entries(warm, entries[:1], [], feed_id="warm", fetch_id="w", archive_sha256="0" * 64,
                     seen_at=datetime(2022, 2, 23))
    con = duckdb.connect()
    ensure_schema(con)
    _, load_s = _timed(lambda: load_entries(con, entries, [], feed_id="bench", fetch_id="f", archive_sha256="0" * 64,
                                            seen_at=datetime(2022, 2, 23)))
    gazetteer = load_gazetteer()
    sample = entries[: min(len(entries), 500)]
    _, extract_s = _timed(lambda: [extract_article(f"{e.title}\n\n{e.content_text}",
                                                   e.published_at or datetime(2022, 1, 1), gazetteer) for e in sample])
    con.close()
    return {
        "parse": len(entries) / parse_s,
        "load": len(entries) / load_s,
        "extract": len(sample) / extract_s,
        "_entries": len(entries),
    }


def _page_server(bodies: list[bytes]) -> ThreadingHTTPServer:
    """A local HTTP server: /<n>.html is sample page n (mod the count); no robots.txt (404)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.strip("/").split(".")[0]
            body = bodies[int(name) % len(bodies)] if name.isdigit() else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bench_pages(count: int = 120) -> dict:
    """Article pages end to end (polite fetch over local HTTP, archive, trafilatura), two hosts, no delay."""
    bodies = [p.read_bytes() for p in sorted((REPO / "seeds" / "corpus" / "pages").glob("*.html"))]
    server = _page_server(bodies)
    data_dir = Path(tempfile.mkdtemp(prefix="eventwatch-bench-pages-"))
    try:
        port = server.server_address[1]
        settings = Settings(data_dir=data_dir, as_of=datetime(2022, 2, 23, 12), page_policy=PagePolicy(delay_s=0.0))
        hosts = ("127.0.0.1", "localhost")  # two host names, so the per-host limit applies twice
        feeds = [Feed(id=f"bench-{i}", url=f"http://{host}:{port}/feed.xml") for i, host in enumerate(hosts)]
        jobs = [(feeds[n % 2], "bench", f"entry-{n}", f"http://{hosts[n % 2]}:{port}/{n}.html", 10, None)
                for n in range(count)]
        checks, seconds = _timed(lambda: pages.check_pages(settings, jobs))
        failed = [c.error for c in checks if c.status != "ok"]
        if failed:
            raise SystemExit(f"page benchmark: {len(failed)} pages failed, first: {failed[0]}")
        return {"pages": count / seconds}
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(data_dir, ignore_errors=True)


def bench_runs(warehouse_articles: int = 1_000_000) -> dict:
    """Two whole runs of the sample corpus, its snapshot's dashboard pages, and the same at a million articles."""
    eventwatch = str(Path(sys.executable).parent / "eventwatch")
    data_dir = Path(tempfile.mkdtemp(prefix="eventwatch-bench-"))
    try:
        command = [eventwatch, "run", "-q", "--feeds", str(REPO / "seeds" / "feeds.yml"), "--data-dir", str(data_dir),
                   "--as-of", "2022-02-23T12:00:00Z"]
        first, first_s = _timed(lambda: subprocess.run(command, capture_output=True, text=True))
        second, second_s = _timed(lambda: subprocess.run(command, capture_output=True, text=True))
        for result in (first, second):
            if result.returncode != 0:
                raise SystemExit(f"eventwatch run failed: {result.stderr.strip().splitlines()[-1:]}")
        snapshot = data_dir / "published" / "eventwatch.duckdb"
        figures = {"run_sample_corpus": first_s, "rerun_unchanged": second_s, **bench_dashboard(snapshot)}
        if warehouse_articles:
            figures.update(bench_warehouse(snapshot, data_dir / "warehouse.duckdb", warehouse_articles))
        return figures
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def bench_warehouse(snapshot: Path, dest: Path, articles: int) -> dict:
    """The dashboard's queries on a snapshot scaled to `articles` (bench/warehouse.py); the slowest query counts."""
    sys.path.insert(0, str(REPO / "bench"))
    from warehouse import scale_snapshot

    built = scale_snapshot(snapshot, dest, articles)
    pages = bench_dashboard(dest)
    print(f"warehouse: {built['rows']['marts.articles']:,} articles ({built['copies']:,} copies) in "
          f"{built['seconds']:.0f} s; slowest dashboard query {pages['_slowest_query']} "
          f"{pages['_slowest_query_s']:.2f} s")
    return {"dashboard_query_1m": pages["_slowest_query_s"], "_warehouse": {**built, **pages}}


def bench_dashboard(snapshot: Path) -> dict:
    """Seconds of queries per dashboard page, and of each query; the slowest page and query are the figures."""
    from pipelines.dashboard import queries
    from pipelines.dashboard.snapshot import Snapshot

    pages, each = {}, {}
    for page, calls in DASHBOARD_PAGES.items():
        reader = Snapshot(snapshot)  # cold: opened for this page alone
        with reader.cursor() as con:
            paris = con.execute("select deadline_id from marts.fct_deadlines where location = 'Paris' "
                                "order by due_start desc limit 1").fetchone()[0]
            page_started = time.perf_counter()
            for number, (name, args, *kwargs) in enumerate(calls):
                args = tuple(paris if a == "@paris" else a for a in args)
                started = time.perf_counter()
                getattr(queries, name)(con, *args, **(kwargs[0] if kwargs else {}))
                each[f"{page}.{number}.{name}"] = time.perf_counter() - started
            pages[page] = time.perf_counter() - page_started
        reader.close()
    slowest = max(each, key=each.__getitem__)
    return {"dashboard_page": max(pages.values()), **{f"_dashboard_{page}": s for page, s in pages.items()},
            "_dashboard_queries": each, "_slowest_query": slowest, "_slowest_query_s": each[slowest]}


def bench_dag_parse() -> dict:
    """Seconds to parse each file in dags/ (the slowest counts against the target), in a fresh process."""
    home = Path(tempfile.mkdtemp(prefix="eventwatch-bench-airflow-"))
    env = {"PATH": str(Path(sys.executable).parent), "AIRFLOW_HOME": str(home),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'a.db'}"}
    try:
        result = subprocess.run([sys.executable, "-c", _PARSE_DAGS, str(REPO / "dags")], capture_output=True,
                                text=True, env=env, cwd=REPO)
        if result.returncode != 0:
            raise SystemExit(f"parsing dags/ failed: {result.stderr.strip().splitlines()[-1:]}")
        per_file = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {"dag_parse": max(per_file.values()), "_dag_parse_per_file": per_file}
def bench_story_sizes(sizes: list[int], timeout_s: float) -> dict:
    """The story benchmark (bench/story.py) at each size, printed ratios first; the largest size sets the figures."""
    sys.path.insert(0, str(REPO / "bench"))
    from story import bench_story

    results: dict = {}
    for size in sizes:
        figures = results[str(size)] = bench_story(size, timeout_s)
        first = figures["first"]
        if first["timed_out"]:
            print(f"story {size}: no result in {timeout_s:.0f} s, still in stage {first['stage']}")
            results.update(story_articles_per_s=size / timeout_s, story_noop_over_first=float("nan"),
                           story_peak_rss=float("nan"))  # at most this fast: it did not finish
            continue
        shares = ", ".join(f"{name} {share:.0%}" for name, share in figures["stage_share"].items())
        print(f"story {size}: run / bare feedparser {figures['run_over_bare_parse']:.1f}x, "
              f"no-op / first {figures['noop_over_first']:.1%}, {figures['articles_per_s']:.1f} entries/s, "
              f"peak {first['peak_rss_mib']:.0f} MiB; first run {first['seconds']:.1f} s: {shares}")
        results.update(story_articles_per_s=figures["articles_per_s"],
                       story_noop_over_first=100 * figures["noop_over_first"], story_peak_rss=first["peak_rss_mib"])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200, help="how many times to repeat the sample feed's items")
    parser.add_argument("--only", choices=["dag_parse", "warehouse", "story"], help="measure only this")
    parser.add_argument("--story", default="1000,20000", help="story benchmark sizes, comma-separated ('' for none)")
    parser.add_argument("--story-timeout", type=float, default=900.0, help="seconds before a story run is stopped")
    parser.add_argument("--warehouse-articles", type=int, default=1_000_000,
                        help="articles in the scaled snapshot the dashboard's queries run on (0: skip)")
    args = parser.parse_args()
    if args.only == "dag_parse":
        figures = bench_dag_parse()
        print(json.dumps(figures, indent=1))
        return 0 if figures["dag_parse"] <= TARGETS["dag_parse"][1] else 1
    sizes = [int(size) for size in args.story.split(",") if size.strip()]
    if args.only:
        figures = bench_runs(args.warehouse_articles) if args.only == "warehouse" else \
            {"story": bench_story_sizes(sizes, args.story_timeout)}
        print(json.dumps(figures, indent=1, default=str))
        return 0
    figures = {**bench_stages(args.copies), **bench_pages(), **bench_runs(args.warehouse_articles),
               **bench_dag_parse()}
    story = figures["story"] = bench_story_sizes(sizes, args.story_timeout) if sizes else {}
    figures.update({name: story[name] for name in ("story_articles_per_s", "story_noop_over_first",
                                                   "story_peak_rss") if name in story})
    missed = []
    print(f"{'measure':<20} {'figure':>12}  {'target':>14}")
    for name, (unit, bound, kind) in TARGETS.items():
        if name not in figures:
            print(f"{name:<20} {'not run':>12}")
            continue
        value = figures[name]
        ok = value >= bound if kind == "min" else value <= bound
        missed += [] if ok else [name]
        sign = ">=" if kind == "min" else "<="
        print(f"{name:<20} {value:>9.1f} {unit:<3} {sign} {bound:>7.0f} {unit:<10} {'ok' if ok else 'MISSED'}")
    print(f"(stages measured on {figures['_entries']} entries)")
    (REPO / "bench" / "results.json").write_text(json.dumps(figures, indent=1) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
