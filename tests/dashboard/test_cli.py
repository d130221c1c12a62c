"""`eventwatch dashboard` as a command: what it runs, and a clear error before any snapshot exists."""

from __future__ import annotations

from pipelines.cli import build_parser, main
from pipelines.dashboard import APP, streamlit_command


def test_without_a_snapshot_it_says_what_to_do(capsys, tmp_path):
    assert main(["dashboard", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "run `eventwatch run` first" in err


def _options(command: list[str]) -> dict[str, str]:
    return dict(zip(command[5::2], command[6::2]))  # after: python -m streamlit run APP


def test_it_serves_on_loopback_headless_without_telemetry_unless_told():
    args = build_parser().parse_args(["dashboard"])
    assert (args.host, args.port) == ("127.0.0.1", 8501)
    command = streamlit_command(host=args.host, port=args.port)
    pairs = _options(command)
    assert command[1:5] == ["-m", "streamlit", "run", str(APP)]
    assert pairs["--server.address"] == "127.0.0.1" and pairs["--server.headless"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"
    assert _options(streamlit_command(host="0.0.0.0", port=9000))["--server.address"] == "0.0.0.0"
