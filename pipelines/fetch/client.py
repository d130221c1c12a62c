"""Fetch one feed: a conditional HTTP(S) GET or a local file read, bounded in every dimension.

One fetcher interface (`fetch`) with two implementations, so tests and the demo use real HTTP on
127.0.0.1 or local files, never a mock. Bounds: connect and read timeouts, a total time for the
whole fetch (redirects and a slowly trickling body included), a maximum body size counted after
decompression, and a redirect limit. Redirects are followed by hand so that each hop is known: a
chain of permanent redirects (301, 308) from the start moves the feed; a temporary one does not.
A file has validators too (size and modification time), so re-reading an unchanged file is as
cheap as a 304.

Network policy (`refusal`): the URL the operator listed may point anywhere, a test server on
127.0.0.1 or an intranet host included. Any other URL the fetcher is sent to (a redirect target, a
feed's moved URL, later an article page) is requested only if it is on the listed URL's own host
and port, or if its host resolves to global addresses only. So a feed cannot redirect eventwatch to
a cloud metadata service, a loopback port or an internal network.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse, urlsplit

import requests
import urllib3

from pipelines import __version__
from pipelines.fetch.polling import FetchPolicy

USER_AGENT = f"eventwatch/{__version__} (+https://github.com/eventwatch/eventwatch)"
_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, "
           "*/*;q=0.5")
ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_PERMANENT = {301, 308}
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
Resolver = Callable[[str, int], list[str]]  # host, port -> its addresses
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    body: bytes | None  # None for "not modified" and for failures
    http_status: int | None  # None when there was no HTTP response (file, refused, timeout...)
    headers: dict[str, str]  # of the final response, lower-case names
    error: str | None
    duration_ms: float
    final_url: str | None = None  # after redirects
    redirects: tuple[tuple[int, str], ...] = field(default_factory=tuple)  # (status, location) per hop
    permanent_url: str | None = None  # where an unbroken chain of permanent redirects led
    not_modified: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def same_host(url: str, other: str) -> bool:
    """Both URLs name the same host and port; an http and an https URL on their default ports count as one."""
    try:
        a, b = urlsplit(url), urlsplit(other)
        if not a.hostname or a.hostname != b.hostname:  # hostname is lower-cased by urlsplit
            return False
        ports = [(p.port, _DEFAULT_PORTS.get(p.scheme.lower())) for p in (a, b)]
    except ValueError:  # a malformed port or host
        return False
    (port_a, default_a), (port_b, default_b) = ports
    if (port_a or default_a) == (port_b or default_b):
        return True
    return port_a in (None, default_a) and port_b in (None, default_b)  # http -> https on the same host


def address_kind(address: str) -> str | None:
    """Why an IP address is off limits unless listed ("loopback", "link-local", ...), or None if it is global."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is not part of it
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour):
        ip = ip.ipv4_mapped or ip.sixtofour  # an IPv4 address in IPv6 clothing is judged as itself
    if isinstance(ip, ipaddress.IPv6Address) and ip in _UNIQUE_LOCAL:
        return "unique-local"
    for kind in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-global"


def refusal(url: str, listed_url: str | None, resolve: Resolver | None = None) -> str | None:
    """Why eventwatch must not connect to `url` (None if it may), `listed_url` being what the operator listed.

    The listed URL's own host and port are trusted; any other host must resolve to global
    addresses only (every address is checked). The check happens before any connection is made.
    """
    if listed_url is not None and same_host(url, listed_url):
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 80)
    except ValueError as exc:
        return f"{url} is not a valid URL ({exc})"
    if not host:
        return f"{url} has no host"
    try:
        addresses = [host] if _is_ip(host) else (resolve or _resolve)(host, port)
    except OSError as exc:
        return f"cannot resolve {host}: {exc.strerror or exc}"
    for address in addresses:
        kind = address_kind(address)
        if kind is not None:
            where = host if address == host else f"{host} ({address})"
            return f"{where} is a {kind} address; only the host of the URL listed in the feeds file may be non-global"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


def _resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (what the HTTP client would pick from)."""
    addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if not addresses:
        raise OSError(f"no address for {host}")
    return addresses


def fetch(url: str, etag: str | None = None, last_modified: str | None = None,
          policy: FetchPolicy | None = None, listed_url: str | None = None, accept: str = _ACCEPT) -> FetchResult:
    """Fetch `url` (http, https or file) conditionally; never raises for network or file errors.

    `listed_url` is the feeds file's URL for this feed (default: `url` itself); see `refusal`.
    `accept` is the Accept header (feeds by default; `ACCEPT_HTML` for article pages).
    """
    policy = policy or FetchPolicy()
    started = time.monotonic()
    listed_url = url if listed_url is None else listed_url
    scheme = urlparse(url).scheme.lower()
    refused = refusal(url, listed_url) if scheme in ("http", "https") else None
    if scheme == "file":
        result = _fetch_file(url, etag, policy)
    elif refused:  # a moved feed whose new home is no longer fit to visit
        result = dict(body=None, http_status=None, headers={}, error=f"refused {url}: {refused}")
    elif scheme in ("http", "https"):
        result = _fetch_http(url, etag, last_modified, policy, started, listed_url, accept)
    else:
        result = dict(body=None, http_status=None, headers={}, error=f"unsupported URL scheme {scheme!r}")
    return FetchResult(url=url, duration_ms=(time.monotonic() - started) * 1000, **result)


def _fetch_file(url: str, etag: str | None, policy: FetchPolicy) -> dict:
    path = Path(unquote(urlparse(url).path))
    try:
        stat = path.stat()
        validator = f'"file-{stat.st_size}-{stat.st_mtime_ns}"'
        headers = {"etag": validator, "last-modified": formatdate(stat.st_mtime, usegmt=True)}
        if etag == validator:
            return dict(body=None, http_status=None, headers=headers, error=None, not_modified=True, final_url=url)
        if stat.st_size > policy.max_body_bytes:
            return dict(body=None, http_status=None, headers=headers, final_url=url,
                        error=f"file is {stat.st_size} bytes, over the {policy.max_body_bytes}-byte limit")
        return dict(body=path.read_bytes(), http_status=None, headers=headers, error=None, final_url=url)
    except OSError as exc:
        return dict(body=None, http_status=None, headers={}, error=f"cannot read {path}: {exc.strerror or exc}")


def _fetch_http(url: str, etag: str | None, last_modified: str | None, policy: FetchPolicy,
                started: float, listed_url: str, accept: str = _ACCEPT) -> dict:
    request_headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    deadline = started + policy.total_timeout_s
    current, hops, permanent, visited = url, [], None, {url}
    state: dict[str, object] = dict(final_url=url, redirects=(), permanent_url=None)
    try:
        with requests.Session() as session:
            for _ in range(policy.max_redirects + 1):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return dict(body=None, http_status=None, headers={}, **state,
                                error=f"timed out: the fetch took over {policy.total_timeout_s:g} s")
                timeout = (min(policy.connect_timeout_s, remaining), min(policy.read_timeout_s, remaining))
                response = session.get(current, headers=request_headers, timeout=timeout, stream=True,
                                       allow_redirects=False)
                with response:
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    status = response.status_code
                    if status in _REDIRECTS and headers.get("location"):
                        location = urljoin(current, headers["location"].strip())
                        hops.append((status, location))
                        if all(hop_status in _PERMANENT for hop_status, _ in hops):
                            permanent = location  # still an unbroken chain of permanent redirects
                        state = dict(final_url=location, redirects=tuple(hops), permanent_url=permanent)
                        if urlparse(location).scheme.lower() not in ("http", "https"):
                            return dict(body=None, http_status=status, headers=headers, **state,
                                        error=f"redirect to a non-HTTP URL {location}")
                        refused = refusal(location, listed_url)
                        if refused:  # checked before connecting: the target never sees a request
                            return dict(body=None, http_status=status, headers=headers, **state,
                                        error=f"redirect to {location} refused: {refused}")
                        if location in visited:
                            return dict(body=None, http_status=status, headers=headers, **state,
                                        error=f"redirect loop: {location} again after {len(hops)} hops")
                        visited.add(location)
                        current = location
                        continue
                    if status == 304:
                        return dict(body=None, http_status=304, headers=headers, error=None, not_modified=True,
                                    **state)
                    if status >= 400:
                        return dict(body=None, http_status=status, headers=headers, **state,
                                    error=f"HTTP {status} {response.reason or ''}".rstrip())
                    if status != 200:
                        return dict(body=None, http_status=status, headers=headers, **state,
                                    error=f"HTTP {status} {response.reason or ''}: not a feed response".rstrip())
                    body, error = _read_body(response, headers, policy, deadline)
                    return dict(body=body, http_status=status, headers=headers, error=error, **state)
            return dict(body=None, http_status=hops[-1][0] if hops else None, headers={}, **state,
                        error=f"too many redirects: more than {policy.max_redirects}")
    except requests.Timeout as exc:
        kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
        return dict(body=None, http_status=None, headers={}, **state, error=f"timed out ({kind} timeout)")
    except requests.RequestException as exc:
        return dict(body=None, http_status=None, headers={}, **state, error=f"{type(exc).__name__}: {exc}")


def _read_body(response: requests.Response, headers: dict, policy: FetchPolicy,
               deadline: float) -> tuple[bytes | None, str | None]:
    """The decompressed body, or an error when it is over the size or time limit."""
    limit = policy.max_body_bytes
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None, f"body of {declared} bytes announced, over the {limit}-byte limit"
    body = bytearray()
    try:
        while True:
            # read1 returns after one socket read, so a body that trickles in cannot outlast the
            # deadline; decode_content decompresses gzip/deflate, so the limit counts real bytes
            chunk = response.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                return bytes(body), None
            body.extend(chunk)
            if len(body) > limit:
                return None, f"body over the {limit}-byte limit"
            if time.monotonic() > deadline:
                return None, f"timed out: the fetch took over {policy.total_timeout_s:g} s"
    except urllib3.exceptions.DecodeError as exc:
        return None, f"cannot decompress the body: {exc}"
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return None, "timed out (read timeout)"
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError, OSError) as exc:
        return None, f"body cut off: {type(exc).__name__}: {exc}"
