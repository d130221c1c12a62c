# Over 300 lines on purpose: every command and its argument parser in one file, read side by side (a thin shell).
"""The `eventwatch` command: a thin shell over pipelines.stages (one function per command)."""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import closing, nullcontext
from pathlib import Path

import duckdb

from pipelines import __version__, cli_text, stages
from pipelines.fetch.feeds import FeedsFileError, add_feed, load_feeds, remove_feed
from pipelines.settings import Settings
from pipelines.store.runlock import RunLocked, read_lock

log = logging.getLogger("eventwatch")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(feeds=args.feeds, data_dir=args.data_dir, db=args.db, as_of=args.as_of,
                             force=getattr(args, "force", False), stories=getattr(args, "stories", None))


def cmd_run(args) -> int:
    settings = _settings(args)
    summary = stages.run_all(settings, all_stages=args.all_stages)
    print("\n".join(cli_text.summary_lines(summary)))
    print(f"{'published to' if summary.published else 'unchanged'} {settings.snapshot_path}; try: eventwatch query "
          "\"select label, location, due_start, status from marts.fct_deadlines order by due_start\"")
    return 0


def cmd_fetch(args) -> int:
    settings = _settings(args)
    summary = stages.RunSummary(stages.new_run_id(settings))
    summary.ingest = stages.fetch(settings, summary.run_id)
    summary.gates = stages.check(settings, summary.run_id, ("fetch",))
    print("\n".join(cli_text.summary_lines(summary)))
    return 0


def cmd_reparse(args) -> int:
    summary = stages.reparse(_settings(args), args.feed)
    c = summary.counts
    print(f"reparsed {summary.fetches} archived bodies of {len(summary.feeds)} feeds: {c.seen} entries seen, "
          f"{c.new} new, {c.new_versions} new versions, {c.unchanged} unchanged, {c.quarantined} quarantined")
    return 0


def cmd_extract(args) -> int:
    result = stages.extract(_settings(args))
    print(result)
    return 0


def cmd_transform(args) -> int:
    result = stages.transform(_settings(args), full_refresh=args.full_refresh)
    print(result)
    return 0


def cmd_check(args) -> int:
    from pipelines.gates import GateFailed, explain

    settings = _settings(args)
    summary = stages.RunSummary(stages.new_run_id(settings))
    try:
        summary.gates = stages.check(settings, summary.run_id)
    except GateFailed as exc:
        if args.explain:  # the rows behind the block too, before the one-line reason
            print("\n".join(explain(exc.outcomes)))
        raise
    print("\n".join(cli_text.summary_lines(summary)))
    if args.explain:
        print("\n".join(explain(summary.gates)))
    return 0


def cmd_publish(args) -> int:
    settings = _settings(args)
    print(f"published to {stages.publish(settings, stages.new_run_id(settings))}")
    return 0


def cmd_eval(args) -> int:
    from pipelines.extract.evaluate import GOLD_PATH, evaluate, load_floors, load_gold

    if args.corpus:
        return _eval_corpus(args)
    report = evaluate(load_gold(Path(args.gold) if args.gold else GOLD_PATH))
    print(report.render(verbose=args.errors))
    below = report.below(load_floors()) if args.check else {}
    for name, (value, floor) in sorted(below.items()):
        print(f"below floor: {name} {value:.3f} < {floor:.3f}", file=sys.stderr)
    return 1 if below else 0


def _eval_corpus(args) -> int:
    from pipelines.extract.realtext import below_floors, score_polnear, score_timeml

    if not args.dir:
        print(f"eventwatch eval: --corpus {args.corpus} needs a DIR", file=sys.stderr)
        return 2
    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"eventwatch eval: no such directory: {directory}", file=sys.stderr)
        return 2
    report = (score_polnear if args.corpus == "polnear" else score_timeml)(directory)
    print(report.render())
    below = below_floors(report) if args.check else {}
    for name, (value, floor) in sorted(below.items()):
        print(f"below floor: {report.corpus} {name} {value:.3f} < {floor:.3f}", file=sys.stderr)
    return 1 if below else 0


def cmd_query(args) -> int:
    settings = _settings(args)
    path = settings.database if args.live else settings.snapshot_path
    if not path.exists():
        hint = "run `eventwatch run` first" + ("" if args.live else " (or use --live)")
        raise FileNotFoundError(f"no database at {path}: {hint}")
    guard = read_lock(settings) if args.live else nullcontext()  # the snapshot never waits for a writer
    with guard, closing(duckdb.connect(str(path), read_only=True)) as con:
        cursor = con.execute(args.sql)
        columns = [d[0] for d in cursor.description] if cursor.description else []
        rows = cursor.fetchall() if columns else []
    cli_text.print_rows(columns, rows, args.format)
    return 0


def _feeds_status(settings: Settings) -> None:
    from pipelines.fetch.pages import page_summary
    from pipelines.fetch.state import feed_status

    feeds = load_feeds(settings.feeds_file)
    with read_lock(settings):
        con = duckdb.connect(str(settings.database), read_only=True) if settings.database.exists() else None
        try:
            rows = feed_status(con, feeds, settings.as_of)
            page_cells = page_summary(con)
        finally:
            if con is not None:
                con.close()
    print("\n".join(cli_text.feeds_table(rows, page_cells)))


def cmd_feeds(args) -> int:
    settings = _settings(args)
    if args.feeds_command == "add":
        feed = add_feed(settings.feeds_file, args.id, args.url, args.name, tuple(args.tag or ()), args.full_text)
        print(f"added feed {feed.id} ({feed.url}, full_text: {feed.full_text}) to {settings.feeds_file}")
    elif args.feeds_command == "remove":
        remove_feed(settings.feeds_file, args.id)
        print(f"removed feed {args.id} from {settings.feeds_file} (its stored entries are kept)")
    elif args.feeds_command == "status":
        _feeds_status(settings)
    elif args.feeds_command in ("enable", "disable"):
        from pipelines.fetch.state import set_parked

        feed = next((f for f in load_feeds(settings.feeds_file) if f.id == args.id), None)
        if feed is None:
            raise FeedsFileError(f"no feed with id {args.id!r} in {settings.feeds_file}")
        with stages.writing(settings, f"feeds {args.feeds_command}") as con:
            set_parked(con, feed, args.feeds_command == "disable", at=settings.as_of,
                       reason=getattr(args, "reason", None))
        print(f"feed {feed.id} {'parked' if args.feeds_command == 'disable' else 'enabled: due at the next run'}")
    else:
        for feed in load_feeds(settings.feeds_file):
            tags = f"  [{', '.join(feed.tags)}]" if feed.tags else ""
            print(f"{feed.id}\t{feed.url}\t{feed.name or ''}{tags}")
    return 0


def cmd_dashboard(args) -> int:
    import os

    from pipelines.dashboard import streamlit_command

    settings = _settings(args)
    if not settings.snapshot_path.exists():
        raise FileNotFoundError(f"no published snapshot at {settings.snapshot_path}: run `eventwatch run` first")
    env = {**os.environ, "EVENTWATCH_DATA_DIR": str(settings.data_dir.resolve())}
    print(f"eventwatch dashboard: http://{args.host}:{args.port}/ (reading {settings.snapshot_path}; Ctrl-C stops)",
          flush=True)
    command = streamlit_command(host=args.host, port=args.port)
    os.execve(command[0], command, env)  # streamlit takes this process over: signals reach it directly
    return 0  # not reached
def cmd_alerts(args) -> int:
    from pipelines.publish import open_snapshot
    from pipelines.stories.alerts import list_alerts

    with closing(open_snapshot(_settings(args))) as con:
        columns, rows = list_alerts(con, args.story)
    cli_text.print_rows(columns, rows, args.format)
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--feeds", metavar="FILE", help="feeds file (default: $EVENTWATCH_FEEDS or seeds/feeds.yml)")
    parser.add_argument("--data-dir", metavar="DIR", help="data directory (default: $EVENTWATCH_DATA_DIR or data/)")
    parser.add_argument("--db", metavar="PATH",
                        help="working DuckDB file (default: $EVENTWATCH_DB or <data-dir>/eventwatch.duckdb)")
    parser.add_argument("--as-of", metavar="ISO8601",
                        help="the run's clock: statuses are computed against it and entries published after it "
                             "are held back (default: $EVENTWATCH_AS_OF or now)")
    parser.add_argument("--stories", metavar="FILE",
                        help="stories file (default: $EVENTWATCH_STORIES or seeds/stories.yml)")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventwatch",
        description="Monitor a running news story: poll feeds, extract actors, claims and deadlines, "
                    "track them over time in DuckDB.")
    parser.add_argument("--version", action="version", version=f"eventwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _common(p)
        p.set_defaults(func=func)
        return p

    run = command("run", cmd_run, "run the whole chain once: fetch, parse, load, extract, dbt build, gates, publish")
    run.add_argument("--force", action="store_true",
                     help="poll every feed now (parked ones excepted), ignoring next-poll times; still conditional")
    run.add_argument("--all-stages", action="store_true",
                     help="extract, build and gate even when the fetch brought nothing new (after repairing the "
                          "working database by hand)")
    fetch = command("fetch", cmd_fetch,
                    "fetch the feeds that are due, archive the bytes, parse and load entries, gate them")
    fetch.add_argument("--force", action="store_true",
                       help="poll every feed now (parked ones excepted), ignoring next-poll times; still conditional")
    reparse = command("reparse", cmd_reparse,
                      "rebuild the raw entries from the archived bodies with the current parser, without the network")
    reparse.add_argument("--feed", metavar="ID", help="only this feed (default: every feed)")
    command("extract", cmd_extract, "extract actors, claims and time expressions from new article versions")
    transform = command("transform", cmd_transform,
                        "build the dbt models (staging, intermediate, marts), tests and snapshots")
    transform.add_argument("--full-refresh", action="store_true",
                           help="rebuild the incremental models from scratch instead of what changed since the "
                                "last build")
    check = command("check", cmd_check, "run every quality gate (raw entries, extractions, marts) without changing "
                                        "data (it re-evaluates the records the gates quarantine)")
    check.add_argument("--explain", action="store_true",
                       help="show the rows behind each failing, warning or quarantining expectation: their keys "
                            "and the offending values (up to 20 each)")
    command("publish", cmd_publish, "copy the marts and quality results to the read-only snapshot")
    evaluation = command("eval", cmd_eval, "score the extractors against the gold set: precision, recall and F1 "
                                           "per extractor")
    evaluation.add_argument("--gold", metavar="FILE", help="gold passages (default: seeds/gold/passages.yml)")
    evaluation.add_argument("--errors", action="store_true", help="list every miss and false hit, passage by passage")
    evaluation.add_argument("--check", action="store_true",
                            help="exit 1 when a score is below its floor in seeds/gold/floors.json "
                                 "(with --corpus: seeds/gold/realtext_floors.json)")
    evaluation.add_argument("--corpus", choices=("polnear", "timeml"),
                            help="score on a third-party corpus in DIR instead: PolNeAR (text/ + attributions/ "
                                 "brat) or TimeML (*.tml); development scores")
    evaluation.add_argument("dir", nargs="?", metavar="DIR", help="the corpus folder, with --corpus")
    query = command("query", cmd_query, "run read-only SQL against the published snapshot (schemas marts and quality)")
    query.add_argument("sql", help="the SQL to run")
    query.add_argument("--live", action="store_true", help="read the working database instead (every schema)")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="output format (default: table)")
    dashboard = command("dashboard", cmd_dashboard,
                        "serve the dashboard (Streamlit) over the published snapshot, read-only")
    dashboard.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    dashboard.add_argument("--host", default="127.0.0.1",
                           help="address to bind (default: 127.0.0.1, this machine only)")
    feeds = command("feeds", cmd_feeds, "list, add or remove feeds; show their polling status; park or re-enable one")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION")
    feeds_sub.add_parser("list", help="list the feeds")
    add = feeds_sub.add_parser("add", help="add a feed")
    add.add_argument("id", help="feed id, [a-z0-9-]+")
    add.add_argument("url", help="http(s):// URL, file:// URL or a path relative to the feeds file")
    add.add_argument("--name", help="display name")
    add.add_argument("--tag", action="append", help="a tag (repeatable)")
    add.add_argument("--full-text", choices=("auto", "always", "never"),
                     help="fetch each entry's page for its main text: auto (default for http(s) feeds) when the "
                          "feed's text is short, always, or never (default for local files)")
    remove = feeds_sub.add_parser("remove", help="remove a feed (its stored entries are kept)")
    remove.add_argument("id", help="feed id")
    feeds_sub.add_parser("status", help="per feed: last success, last error, failures, next poll, entries per day")
    enable = feeds_sub.add_parser("enable", help="re-enable a parked feed: polled at the next run, failures reset")
    enable.add_argument("id", help="feed id")
    disable = feeds_sub.add_parser("disable", help="park a feed: not polled (even with --force) until enabled")
    disable.add_argument("id", help="feed id")
    disable.add_argument("--reason", help="why (shown by `feeds status`)")
    alerts = command("alerts", cmd_alerts, "list the alerts fired so far (from the published snapshot)")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    alerts_list = alerts_sub.add_parser("list", help="list the alerts, newest first")
    _common(alerts_list)  # `alerts list --data-dir DIR`, as the README writes it
    alerts_list.add_argument("--story", metavar="ID", help="only this story's alerts")
    alerts_list.add_argument("--format", choices=("table", "csv", "json"), default="table",
                             help="output format (default: table)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("great_expectations", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except (FeedsFileError, FileNotFoundError, ValueError, duckdb.Error) as exc:  # StoriesFileError is a ValueError
        print(f"eventwatch {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a stage failure: one line, the reason
        from pipelines.gates import GateFailed

        kind = "blocked" if isinstance(exc, GateFailed) else "busy" if isinstance(exc, RunLocked) else "failed"
        print(f"eventwatch {args.command}: {kind}: {exc}", file=sys.stderr)
        log.debug("traceback", exc_info=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
