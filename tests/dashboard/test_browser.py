"""`eventwatch dashboard` served for real and loaded in headless Chromium, one page after another.

Streamlit draws the page in the browser over a websocket, so the test drives Chromium over the
DevTools protocol (tests/dashboard/browser.py) and polls the live DOM until the page's expected
text has rendered, then screenshots it. Screenshots go to the test's tmp dir; with
EVENTWATCH_UPDATE_SCREENSHOTS=1 they are also copied to docs/img/ for the README. Without Chromium
the test skips, unless EVENTWATCH_REQUIRE_BROWSER is set (CI), where it fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import closing

import duckdb
import pytest

from tests.conftest import REPO
from tests.dashboard.browser import Browser
from tests.dashboard.conftest import EVENTWATCH

pytestmark = pytest.mark.slow

# screenshot name, path, texts only the rendered page shows, the text to scroll to before the shot
PAGES = [
    ("calendar", "/?as_of=2022-01-05", ["Due in the next 7 days", "talks in Geneva", "upcoming"], None),
    ("deadline", "/?as_of=2022-02-22&deadline={paris}",
     ["States, on report time", "meeting in Paris", "2022-01-25 → 2022-01-26"], "meeting in Paris"),
    ("claims", "/claims?as_of=2022-02-23", ["Statements (", "Every claim (", "Search claims"], None),
    ("actors", "/actors?as_of=2022-02-23", ["Most active", "Vladimir Putin", "Antony Blinken"], None),
    ("feeds", "/feeds?as_of=2022-02-23", ["Freshness and errors per feed", "kyiv-wire", "Gate results over time"],
     None),
    ("as-of", "/as-of?as_of=2022-01-05", ["On 2022-01-05", "Deadlines announced, moved or called off"], None),
    ("alerts", "/alerts?as_of=2022-02-22&story=ukraine-2022",
     ["Alerts", "deadline_changed", "story: Ukraine diplomacy, winter 2021-22", "Story"], None),
]
# what Streamlit shows when a script raises
FAILURE_MARKERS = ('data-testid="stException"', "Traceback (most recent call last)")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(base: str, server: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the dashboard exited with {server.returncode}: {server.stdout.read()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the dashboard did not become healthy in time")


@pytest.fixture
def dashboard(published):
    """`eventwatch dashboard` on a free loopback port, as a user starts it; stopped after the test."""
    port = _free_port()
    server = subprocess.Popen([EVENTWATCH, "dashboard", "--data-dir", str(published), "--port", str(port)],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _paris(published) -> str:
    with closing(duckdb.connect(str(published / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        return con.execute("select deadline_id from marts.fct_deadlines where location = 'Paris' "
                           "and due_start = '2022-01-26'").fetchone()[0]


@pytest.fixture
def chromium() -> str:
    """Chromium's path; without it a skip with the reason, or a failure where a browser is required (CI)."""
    found = _chromium()
    if found is None:
        if os.environ.get("EVENTWATCH_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail("a browser is required here (EVENTWATCH_REQUIRE_BROWSER or CI is set) but no chromium is "
                        "on PATH: apt-get install chromium")
        pytest.skip("no chromium on PATH: the browser test needs Debian's chromium (apt-get install chromium)")
    return found


def test_every_page_renders_in_a_real_browser(chromium, dashboard, published, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    paris = _paris(published)
    for name, path, expected, scroll_to in PAGES:
        browser = Browser(chromium, tmp_path / f"profile-{name}")  # a fresh profile per page
        try:
            browser.goto(dashboard + path.format(paris=paris))
            html = browser.wait_for(expected, FAILURE_MARKERS)
            for marker in FAILURE_MARKERS:
                assert marker not in html, f"{name}: the page shows {marker!r}"
            missing = [text for text in expected if text not in html]
            assert not missing, f"{name}: {missing} not rendered at {path}"
            if scroll_to:
                browser.scroll_to(scroll_to)
            shot = shots / f"dashboard-{name}.png"
            browser.screenshot(shot)
        finally:
            browser.close()
        assert shot.stat().st_size > 20_000, f"{name}: the screenshot is nearly empty"
        if os.environ.get("EVENTWATCH_UPDATE_SCREENSHOTS") == "1":
            (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, REPO / "docs" / "img" / shot.name)
