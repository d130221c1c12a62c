"""A webhook receiver on 127.0.0.1 for the alert tests: it answers each POST as `accepts` decides."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Webhook:
    """Takes alerts by POST; `accepts(alert_id, call_number)` says whether to answer 200 (else `refusal`)."""

    def __init__(self, accepts: Callable[[str, int], bool], refusal: int = 500):
        self.received: list[str] = []
        self.calls = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                alert_id = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))["alert_id"]
                hook.calls += 1
                ok = accepts(alert_id, hook.calls)
                if ok:
                    hook.received.append(alert_id)
                self.send_response(200 if ok else refusal)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
