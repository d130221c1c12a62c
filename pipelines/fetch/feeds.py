"""The feeds file (CONTRACT.md): load, validate, add and remove feeds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

_FEED_ID = re.compile(r"^[a-z0-9-]+$")
FULL_TEXT_MODES = ("auto", "always", "never")


class FeedsFileError(ValueError):
    """The feeds file is missing or does not follow the contract."""


@dataclass(frozen=True)
class Feed:
    id: str
    url: str  # as written in the file
    name: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    base_dir: Path = Path(".")  # directory of the feeds file, for relative paths
    full_text: str | None = None  # auto | always | never as written; None: the default (see `page_mode`)

    @property
    def page_mode(self) -> str:
        """Whether entry pages are fetched: as set, else `auto` for http(s) feeds and `never` for local ones."""
        if self.full_text:
            return self.full_text
        return "auto" if urlparse(self.url).scheme.lower() in ("http", "https") else "never"

    @property
    def location(self) -> str:
        """The URL to fetch: http(s)/file URLs as they are, paths resolved against the feeds file."""
        scheme = urlparse(self.url).scheme.lower()
        if scheme in ("http", "https", "file"):
            return self.url
        path = Path(self.url).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        return path.resolve().as_uri()


def _check_entry(raw: object, index: int, seen: set[str]) -> dict:
    if not isinstance(raw, dict):
        raise FeedsFileError(f"feeds[{index}] must be a mapping with id and url")
    feed_id, url = raw.get("id"), raw.get("url")
    if not isinstance(feed_id, str) or not _FEED_ID.match(feed_id):
        raise FeedsFileError(f"feeds[{index}].id {feed_id!r} must match [a-z0-9-]+")
    if feed_id in seen:
        raise FeedsFileError(f"feed id {feed_id!r} appears twice")
    if not isinstance(url, str) or not url.strip():
        raise FeedsFileError(f"feed {feed_id!r} has no url")
    scheme = urlparse(url).scheme.lower()
    if scheme and len(scheme) > 1 and scheme not in ("http", "https", "file"):
        raise FeedsFileError(f"feed {feed_id!r}: url scheme {scheme!r} is not http, https or file")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise FeedsFileError(f"feed {feed_id!r}: tags must be a list of strings")
    full_text = raw.get("full_text")
    if full_text is not None and full_text not in FULL_TEXT_MODES:
        raise FeedsFileError(f"feed {feed_id!r}: full_text {full_text!r} must be one of {', '.join(FULL_TEXT_MODES)}")
    seen.add(feed_id)
    return raw


def load_feeds(path: Path) -> list[Feed]:
    """Read and validate the feeds file."""
    if not path.exists():
        raise FeedsFileError(f"feeds file {path} does not exist")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise FeedsFileError(f"feeds file {path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("feeds", []), list):
        raise FeedsFileError(f"feeds file {path} must hold a top-level 'feeds:' list")
    seen: set[str] = set()
    feeds = []
    for index, raw in enumerate(doc.get("feeds") or []):
        entry = _check_entry(raw, index, seen)
        feeds.append(
            Feed(
                id=entry["id"],
                url=entry["url"].strip(),
                name=entry.get("name"),
                tags=tuple(entry.get("tags") or ()),
                base_dir=path.resolve().parent,
                full_text=entry.get("full_text"),
            )
        )
    return feeds


def _write(path: Path, feeds: list[Feed]) -> None:
    rows = []
    for feed in feeds:
        row: dict = {"id": feed.id, "url": feed.url}
        if feed.name:
            row["name"] = feed.name
        if feed.tags:
            row["tags"] = list(feed.tags)
        if feed.full_text:
            row["full_text"] = feed.full_text
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"feeds": rows}, sort_keys=False, allow_unicode=True), encoding="utf-8")


def add_feed(path: Path, feed_id: str, url: str, name: str | None = None, tags: tuple[str, ...] = (),
             full_text: str | None = None) -> Feed:
    """Append a feed to the file (created if missing); the id must be new; full_text is written as the mode in force."""
    feeds = load_feeds(path) if path.exists() else []
    _check_entry({"id": feed_id, "url": url, "tags": list(tags), "full_text": full_text}, len(feeds),
                 {f.id for f in feeds})
    feed = Feed(id=feed_id, url=url, name=name, tags=tuple(tags), base_dir=path.resolve().parent)
    feed = Feed(id=feed_id, url=url, name=name, tags=tuple(tags), base_dir=feed.base_dir,
                full_text=full_text or feed.page_mode)  # written out, so the file says what happens
    _write(path, [*feeds, feed])
    return feed


def remove_feed(path: Path, feed_id: str) -> None:
    """Remove a feed by id; its stored entries stay in the database."""
    feeds = load_feeds(path)
    kept = [f for f in feeds if f.id != feed_id]
    if len(kept) == len(feeds):
        raise FeedsFileError(f"no feed with id {feed_id!r} in {path}")
    _write(path, kept)
