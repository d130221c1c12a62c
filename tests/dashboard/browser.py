"""Headless Chromium driven over the DevTools protocol, just enough to load a page, wait and screenshot.

`chromium --dump-dom --virtual-time-budget=...` returns Streamlit's empty shell: virtual time does not
wait for the websocket that carries the page, so the tests poll the live DOM in real time instead.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-default-apps", "--hide-scrollbars", "--mute-audio")


_TABLES_DRAWN = ("[...document.querySelectorAll('[data-testid=\"stDataFrame\"]')]"
                 ".every(e => e.querySelector('[role=gridcell]'))")


class Browser:
    """One headless Chromium with a fresh profile, one tab."""

    def __init__(self, chromium: str, profile: Path, *, width: int = 1400, height: int = 1000) -> None:
        self.proc = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._ids = itertools.count(1)
        try:
            port = _devtools_port(profile / "DevToolsActivePort", self.proc)
            self.ws = connect(_page_socket(port), max_size=None, open_timeout=20)
            self.call("Page.enable")
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
        except BaseException:
            self.close()
            raise

    def call(self, method: str, **params) -> dict:
        """Send one DevTools command and return its result (events in between are skipped)."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, texts: list[str], failures: tuple[str, ...], timeout_s: float = 60) -> str:
        """The page's HTML once every text shows in it, or a failure marker does, or time runs out."""
        deadline = time.monotonic() + timeout_s
        html = ""
        while time.monotonic() < deadline:
            html = self.evaluate("document.documentElement.outerHTML") or ""
            if any(marker in html for marker in failures):
                return html
            if all(text in html for text in texts):
                self._wait_drawn(deadline)
                return self.evaluate("document.documentElement.outerHTML") or html
            time.sleep(0.5)
        return html

    def scroll_to(self, text: str) -> None:
        """Scroll the innermost element whose text starts with `text` to the top of the view."""
        self.evaluate("(() => { const hit = document.evaluate(" + json.dumps(f"//*[starts-with(normalize-space(.), {json.dumps(text)})][not(*[starts-with(normalize-space(.), {json.dumps(text)})])]")
                      + ", document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;"
                      " if (hit) hit.scrollIntoView({block: 'start'}); })()")
        time.sleep(0.5)

    def _wait_drawn(self, deadline: float) -> None:
        # tables arrive after the page's text: wait until every dataframe has drawn its cells
        while time.monotonic() < deadline and not self.evaluate(_TABLES_DRAWN):
            time.sleep(0.3)
        time.sleep(1.0)  # charts draw last

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _devtools_port(active_port: Path, proc: subprocess.Popen, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode} before it listened")
        if active_port.exists():
            first = active_port.read_text().splitlines()
            if first and first[0].isdigit():
                return int(first[0])
        time.sleep(0.1)
    raise RuntimeError("chromium did not open its DevTools port in time")


def _page_socket(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.load(response)
    return next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")
