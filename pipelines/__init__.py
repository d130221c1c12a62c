"""eventwatch: monitor a running news story from its feeds (see docs/design.md)."""

__version__ = "0.2.0"
