"""The dashboard: a Streamlit app over the published snapshot (`eventwatch dashboard`).

`queries` holds every query as a plain function of a connection and an `as_of`; `snapshot` opens
the published file read-only and reopens it when publish swaps in a new one; `board` and `pages/`
are the thin Streamlit layer; `app.py` is the entrypoint Streamlit runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def streamlit_command(*, host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The command that serves the app: headless, no usage statistics, bound to `host` only."""
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
            "--server.fileWatcherType", "none", "--global.developmentMode", "false"]
