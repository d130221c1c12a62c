"""`eventwatch dashboard` served for real and loaded in headless Chromium, one page after another.

Streamlit draws the page in the browser over a websocket, so each page is dumped (`--dump-dom`)
until its expected text has rendered, then screenshotted. Screenshots go to the test's tmp dir; with
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
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.dashboard.conftest import EVENTWATCH

pytestmark = pytest.mark.slow

# page, path, text that only a rendered page shows (as of 2022-01-05: the Geneva talks are upcoming)
PAGES = [
    ("calendar", "/?as_of=2022-01-05", ["Due in the next 7 days", "talks in Geneva", "upcoming"]),
    ("claims", "/claims?as_of=2022-02-23", ["Statements (", "Every claim ("]),
    ("actors", "/actors?as_of=2022-02-23", ["Most active", "Vladimir Putin", "Antony J. Blinken"]),
    ("feeds", "/feeds?as_of=2022-02-23", ["Freshness and errors per feed", "kyiv-wire", "The last run"]),
    ("as-of", "/as-of?as_of=2022-01-05", ["On 2022-01-05", "Deadlines announced, moved or called off"]),
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


def _browser_args(chromium: str, profile: Path) -> list[str]:
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
            "--disable-default-apps", "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=1400,1000"]


def _dump(chromium: str, profile: Path, url: str, budget_ms: int) -> str:
    result = subprocess.run([*_browser_args(chromium, profile), f"--virtual-time-budget={budget_ms}",
                             "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False)
    return result.stdout


def _rendered(chromium: str, profile: Path, url: str, expected: list[str]) -> str:
    """The page's DOM once every expected text shows (or the last attempt's, for the failure message)."""
    dom = ""
    for budget_ms in (5000, 10000, 15000, 20000):
        dom = _dump(chromium, profile, url, budget_ms)
        if all(text in dom for text in expected) or any(marker in dom for marker in FAILURE_MARKERS):
            break
    return dom


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


def test_every_page_renders_in_a_real_browser(dashboard, tmp_path):
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("EVENTWATCH_REQUIRE_BROWSER"):
            pytest.fail("EVENTWATCH_REQUIRE_BROWSER is set but no chromium is on PATH (apt-get install chromium)")
        pytest.skip("no chromium on PATH: the browser test needs Debian's chromium (apt-get install chromium)")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    for name, path, expected in PAGES:
        profile = tmp_path / f"profile-{name}"  # a fresh profile per page: nothing cached between pages
        dom = _rendered(chromium, profile, dashboard + path, expected)
        for marker in FAILURE_MARKERS:
            assert marker not in dom, f"{name}: the page shows {marker!r}"
        missing = [text for text in expected if text not in dom]
        assert not missing, f"{name}: {missing} not rendered at {path}"
        shot = shots / f"dashboard-{name}.png"
        subprocess.run([*_browser_args(chromium, tmp_path / f"shot-{name}"), "--virtual-time-budget=15000",
                        f"--screenshot={shot}", dashboard + path], capture_output=True, timeout=120, check=True)
        assert shot.stat().st_size > 10_000, f"{name}: the screenshot is nearly empty"
        if os.environ.get("EVENTWATCH_UPDATE_SCREENSHOTS") == "1":
            (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, REPO / "docs" / "img" / shot.name)
