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
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.extract import extract_article, load_gazetteer
from pipelines.load import load_entries
from pipelines.parse import parse_feed
from pipelines.schema import ensure_schema

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "seeds" / "corpus" / "kyiv-wire.rss"

# stage: (unit, minimum per second) or (unit, maximum seconds)
TARGETS = {
    "parse": ("entries/s", 1000.0, "min"),
    "load": ("entries/s", 10000.0, "min"),
    "extract": ("articles/s", 100.0, "min"),
    "run_sample_corpus": ("s", 60.0, "max"),
    "rerun_unchanged": ("s", 45.0, "max"),
}


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
    _, extract_s = _timed(lambda: [extract_article(f"{e.title}\n\n{e.content_text}", e.published_at or datetime(2022, 1, 1),
                                                   gazetteer) for e in sample])
    con.close()
    return {
        "parse": len(entries) / parse_s,
        "load": len(entries) / load_s,
        "extract": len(sample) / extract_s,
        "_entries": len(entries),
    }


def bench_runs() -> dict:
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
        return {"run_sample_corpus": first_s, "rerun_unchanged": second_s}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def bench_story_sizes(sizes: list[int], timeout_s: float) -> dict:
    """The story benchmark (bench/story.py) at each size, printed ratios first."""
    sys.path.insert(0, str(REPO / "bench"))
    from story import bench_story

    results = {}
    for size in sizes:
        figures = results[str(size)] = bench_story(size, timeout_s)
        first = figures["first"]
        if first["timed_out"]:
            print(f"story {size}: no result in {timeout_s:.0f} s, still in stage {first['stage']}")
            continue
        shares = ", ".join(f"{name} {share:.0%}" for name, share in figures["stage_share"].items())
        print(f"story {size}: run / bare feedparser {figures['run_over_bare_parse']:.1f}x, "
              f"no-op / first {figures['noop_over_first']:.1%}, {figures['articles_per_s']:.1f} entries/s, "
              f"peak {first['peak_rss_mib']:.0f} MiB; first run {first['seconds']:.1f} s: {shares}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200, help="how many times to repeat the sample feed's items")
    parser.add_argument("--story", default="1000,20000", help="story benchmark sizes, comma-separated ('' for none)")
    parser.add_argument("--story-timeout", type=float, default=900.0, help="seconds before a story run is stopped")
    args = parser.parse_args()
    figures = {**bench_stages(args.copies), **bench_runs()}
    sizes = [int(size) for size in args.story.split(",") if size.strip()]
    figures["story"] = bench_story_sizes(sizes, args.story_timeout) if sizes else {}
    missed = []
    print(f"{'measure':<20} {'figure':>12}  {'target':>14}")
    for name, (unit, bound, kind) in TARGETS.items():
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
