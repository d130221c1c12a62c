"""Stable text keys: every id eventwatch derives (fetches, entry versions, articles) is one of these."""

from __future__ import annotations

import hashlib


def short_hash(*parts: object) -> str:
    """A stable 16-hex key over the parts."""
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")).hexdigest()[:16]
