"""The story benchmark: generated story-shaped feeds (bench/storygen.py) through whole runs.

For each size: bare `feedparser.parse` of the same bytes (the floor any feed reader pays), a first
run from an empty data dir with each stage's time, an unchanged rerun, and peak memory (max RSS of
the process that runs the stages, dbt included). Each run is a child process
(`python bench/story.py stages ...`), so its peak memory is its own; a run over `timeout_s` is
stopped and reported with the stage it was in.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import storygen  # noqa: E402  (found through the sys.path line above)


def bare_parse_s(feeds_file: Path) -> float:
    """Seconds feedparser alone takes over the generated feed files."""
    import feedparser

    bodies = [path.read_bytes() for path in sorted(feeds_file.parent.glob("*.rss"))]
    started = time.perf_counter()
    for body in bodies:
        feedparser.parse(body)
    return time.perf_counter() - started


def run_stages(feeds_file: Path, data_dir: Path, as_of: datetime, progress: Path) -> dict:
    """One `run_all`-equivalent chain in this process, timing each stage (writes progress as it goes)."""
    from pipelines import stages
    from pipelines.settings import Settings

    settings = Settings(data_dir=data_dir, feeds_file=feeds_file, as_of=as_of, force=True)
    times: dict[str, float] = {}

    def timed(name, func):
        progress.write_text(name)
        started = time.perf_counter()
        value = func()
        times[name] = time.perf_counter() - started
        return value

    run_id = stages.new_run_id(settings)
    summary = stages.RunSummary(run_id)
    summary.ingest = timed("fetch", lambda: stages.fetch(settings, run_id))
    quietly = getattr(stages, "_run_quietly", None)  # absent before issue 13: measuring the old code
    if quietly and timed("quiet_check", lambda: quietly(settings, summary)):
        return {"stages": times, "skipped": summary.skipped}
    timed("gates_fetch", lambda: stages.check(settings, run_id, stages=("fetch",)))
    timed("extract", lambda: stages.extract(settings))
    timed("gates_extract", lambda: stages.check(settings, run_id, stages=("extract",)))
    timed("dbt_build", lambda: stages.transform(settings))
    timed("gates_marts", lambda: stages.check(settings, run_id, stages=("marts",)))
    timed("publish", lambda: stages.publish(settings, run_id))
    timed("alerts", lambda: stages.alerts(settings, run_id))  # after publish, as in run_all
    return {"stages": times, "skipped": None}


def measure_run(feeds_file: Path, data_dir: Path, as_of: datetime, timeout_s: float) -> dict:
    """A chain in a child process: wall time, stage times, peak RSS; or where it sat at the timeout."""
    progress = data_dir.with_suffix(".progress")
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(BENCH / "story.py"), "stages", str(feeds_file), str(data_dir),
               as_of.isoformat(), str(progress)]
    started = time.perf_counter()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": timeout_s, "stage": progress.read_text() if progress.exists() else "?"}
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"story run failed: {result.stderr.strip().splitlines()[-3:]}")
    return {"timed_out": False, "seconds": seconds, **json.loads(result.stdout.strip().splitlines()[-1])}


def bench_story(count: int, timeout_s: float = 900.0) -> dict:
    """First run and unchanged rerun over `count` generated articles, with ratios."""
    folder = Path(tempfile.mkdtemp(prefix=f"eventwatch-story-{count}-"))
    try:
        return _bench_story_in(folder, count, timeout_s)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _bench_story_in(folder: Path, count: int, timeout_s: float) -> dict:
    """bench_story, in a scratch folder."""
    articles = storygen.generate(count)
    feeds_file = storygen.write_feeds(articles, folder / "feeds")
    as_of = storygen.as_of(articles)
    floor = bare_parse_s(feeds_file)
    first = measure_run(feeds_file, folder / "data", as_of, timeout_s)
    figures = {"articles": count, "entries": len(articles), "bare_parse_s": floor, "first": first}
    if first["timed_out"]:
        return figures
    again = measure_run(feeds_file, folder / "data", as_of, timeout_s)
    figures["rerun"] = again
    figures["articles_per_s"] = len(articles) / first["seconds"]
    figures["run_over_bare_parse"] = first["seconds"] / floor
    figures["noop_over_first"] = again["seconds"] / first["seconds"]
    total = sum(first["stages"].values())
    figures["stage_share"] = {name: s / total for name, s in first["stages"].items()}
    return figures


def _child(feeds_file: str, data_dir: str, as_of: str, progress: str) -> None:
    """Entry point of the child process: run the stages, print figures as one JSON line."""
    moment = datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)
    figures = run_stages(Path(feeds_file), Path(data_dir), moment.replace(tzinfo=None), Path(progress))
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


if __name__ == "__main__":
    if sys.argv[1] == "stages":
        _child(*sys.argv[2:6])
    else:
        print(json.dumps(bench_story(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 900.0), indent=1))
