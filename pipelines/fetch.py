"""Fetch one feed: conditional HTTP(S) GET or a local file read, bounded in time and size.

One fetcher interface (`fetch`) with two implementations, so tests and the demo use real HTTP on
127.0.0.1 or local files, never a mock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import requests

from pipelines import __version__

USER_AGENT = f"eventwatch/{__version__} (+https://github.com/eventwatch/eventwatch)"
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
MAX_BODY_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FetchResult:
    url: str
    body: bytes | None  # None for 304 and for failures
    http_status: int | None  # None when there was no HTTP response
    headers: dict[str, str]
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_modified(self) -> bool:
        return self.http_status == 304


def fetch(url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
    """Fetch `url` (http, https or file); never raises for network or file errors."""
    started = time.monotonic()
    scheme = urlparse(url).scheme.lower()
    if scheme == "file":
        result = _fetch_file(url)
    elif scheme in ("http", "https"):
        result = _fetch_http(url, etag, last_modified)
    else:
        result = dict(body=None, http_status=None, headers={}, error=f"unsupported URL scheme {scheme!r}")
    return FetchResult(url=url, duration_ms=(time.monotonic() - started) * 1000, **result)


def _fetch_file(url: str) -> dict:
    path = Path(unquote(urlparse(url).path))
    try:
        size = path.stat().st_size
        if size > MAX_BODY_BYTES:
            return dict(body=None, http_status=None, headers={}, error=f"file is {size} bytes, over the {MAX_BODY_BYTES} limit")
        return dict(body=path.read_bytes(), http_status=None, headers={}, error=None)
    except OSError as exc:
        return dict(body=None, http_status=None, headers={}, error=f"cannot read {path}: {exc.strerror or exc}")


def _fetch_http(url: str, etag: str | None, last_modified: str | None) -> dict:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with requests.get(url, headers=headers, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), stream=True) as response:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code == 304:
                return dict(body=None, http_status=304, headers=response_headers, error=None)
            if response.status_code >= 400:
                return dict(body=None, http_status=response.status_code, headers=response_headers,
                            error=f"HTTP {response.status_code} {response.reason}")
            body = bytearray()
            # iter_content decompresses gzip/deflate, so the limit counts decompressed bytes
            for chunk in response.iter_content(64 * 1024):
                body.extend(chunk)
                if len(body) > MAX_BODY_BYTES:
                    return dict(body=None, http_status=response.status_code, headers=response_headers,
                                error=f"body over the {MAX_BODY_BYTES}-byte limit")
            return dict(body=bytes(body), http_status=response.status_code, headers=response_headers, error=None)
    except requests.Timeout:
        return dict(body=None, http_status=None, headers={}, error="timed out")
    except requests.TooManyRedirects:
        return dict(body=None, http_status=None, headers={}, error="too many redirects")
    except requests.RequestException as exc:
        return dict(body=None, http_status=None, headers={}, error=f"{type(exc).__name__}: {exc}")
