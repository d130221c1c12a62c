import json
import re

import pytest

from pipelines.cli import build_parser, main
from tests.conftest import REPO
from tests.pipelines.feeds_fixtures import RSS_TWO_ITEMS


def _commands(parser):
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_command_has_help_and_a_readme_mention():
    readme = (REPO / "README.md").read_text()
    for name, sub in _commands(build_parser()).items():
        assert sub.description, f"eventwatch {name} has no help text"
        assert re.search(rf"eventwatch {name}\b", readme), f"README does not mention `eventwatch {name}`"


def test_bad_as_of_is_a_one_line_error(capsys, tmp_path):
    assert main(["query", "select 1", "--data-dir", str(tmp_path), "--as-of", "yesterday"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "is not an ISO 8601" in err


def test_query_without_snapshot_says_what_to_do(capsys, tmp_path):
    assert main(["query", "select 1", "--data-dir", str(tmp_path)]) == 2
    assert "run `eventwatch run` first" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_query_formats_on_the_live_database(capsys, tmp_path, fmt):
    import duckdb

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).execute("create table t as select 1 as n, 'a,b' as s").close()
    assert main(["query", "select * from t", "--db", str(db), "--live", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "csv":
        assert out.splitlines() == ["n,s", '1,"a,b"']
    elif fmt == "json":
        assert json.loads(out) == [{"n": 1, "s": "a,b"}]
    else:
        assert out.splitlines()[0].split() == ["n", "s"] and "(1 row)" in out


def test_feeds_commands_edit_the_file(capsys, tmp_path):
    path = tmp_path / "feeds.yml"
    assert main(["feeds", "--feeds", str(path), "add", "one", "https://one.example/rss"]) == 0
    assert main(["feeds", "--feeds", str(path), "list"]) == 0
    assert "one\thttps://one.example/rss" in capsys.readouterr().out
    assert main(["feeds", "--feeds", str(path), "remove", "nope"]) == 2


def test_feeds_status_enable_disable_and_reparse(capsys, ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    feed_server.serve("/down.xml", b"", status=503, conditional=False)
    polled = {"wire": feed_server.url("/wire.xml"), "down": feed_server.url("/down.xml")}
    ingest.feeds(polled)
    ingest.run()  # at 12:00
    ingest.close()
    ingest.feeds({**polled, "later": "https://never-polled.example/rss"})  # added after the run
    common = ["--feeds", str(ingest.feeds_file), "--data-dir", str(ingest.settings.data_dir),
              "--as-of", "2022-01-10T12:05:00Z"]
    assert main(["feeds", *common, "status"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["wire"].split()[1:5] == ["ok", "2022-01-10", "12:00:00", "0"]
    assert "2022-01-10 12:15 (interval)" in lines["wire"] and lines["wire"].split()[8] == "0.3"  # 2 in 7 days
    # its entries link to an unresolvable host: their pages failed, and the status says why
    assert "2 failed (last: host unreachable: refused https://testwire.example/robots.txt" in lines["wire"]
    assert lines["down"].split()[1:4] == ["failing", "never", "1"] and "HTTP 503" in lines["down"]
    assert lines["later"].split()[1:5] == ["new", "never", "0", "now"]

    assert main(["feeds", *common, "disable", "wire", "--reason", "paused for the test"]) == 0
    assert main(["feeds", *common, "status"]) == 0
    wire = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("wire"))
    assert " parked " in wire and "paused for the test" in wire
    assert main(["feeds", *common, "enable", "wire"]) == 0
    assert main(["feeds", *common, "enable", "nope"]) == 2
    assert main(["reparse", *common]) == 0
    assert "reparsed 1 archived bodies of 1 feeds: 2 entries seen, 2 new" in capsys.readouterr().out


def test_check_explain_has_help_and_a_readme_mention():
    check = _commands(build_parser())["check"]
    explain = next(a for a in check._actions if "--explain" in a.option_strings)
    assert explain.help and "rows" in explain.help
    assert "eventwatch check --explain" in (REPO / "README.md").read_text()
