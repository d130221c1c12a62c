"""One settings object, read from the environment with defaults, passed to every stage."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from pipelines.fetch.polling import FetchPolicy, PagePolicy

# a second writer waits this long for the first: enough for a stage or a short run to finish, short
# enough that a run started by mistake says so within two minutes
DEFAULT_LOCK_WAIT_S = 120.0


def parse_as_of(value: str | None) -> datetime:
    """Parse an ISO 8601 instant into a naive UTC datetime; None means now."""
    if not value:
        return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--as-of {value!r} is not an ISO 8601 date or datetime") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class Settings:
    """Where eventwatch reads and writes, and the run's reference instant (`as_of`).

    `as_of` is the run's clock: statuses (upcoming, passed) are computed against it, fetches are
    stamped with it, and entries published after it are held back from the marts. Tests and the
    demo pass a fixed value so results are reproducible.
    """

    data_dir: Path = Path("data")
    feeds_file: Path = Path("seeds/feeds.yml")
    stories_file: Path | None = None  # stories and alert rules (pipelines/stories/file.py); None: the default
    db_path: Path | None = None
    as_of: datetime = field(default_factory=lambda: parse_as_of(None))
    force: bool = False
    fetch_policy: FetchPolicy = field(default_factory=FetchPolicy)  # fetch limits and polling schedule
    page_policy: PagePolicy = field(default_factory=PagePolicy)  # article pages (pipelines.fetch.pages)
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S  # how long a writer waits for another one (pipelines.store.runlock)

    @property
    def database(self) -> Path:
        return self.db_path if self.db_path is not None else self.data_dir / "eventwatch.duckdb"

    @property
    def stories_path(self) -> Path | None:
        """The stories file to read: the one given, else seeds/stories.yml when it exists, else none."""
        if self.stories_file is not None:
            return self.stories_file
        default = Path("seeds/stories.yml")
        return default if default.exists() else None

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def snapshot_path(self) -> Path:
        return self.data_dir / "published" / "eventwatch.duckdb"

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "data_docs"

    @property
    def dbt_target_dir(self) -> Path:
        return self.data_dir / "dbt_target"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(
        cls,
        *,
        feeds: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        db: str | os.PathLike | None = None,
        as_of: str | None = None,
        force: bool = False,
        stories: str | os.PathLike | None = None,
    ) -> Settings:
        """Explicit arguments win over EVENTWATCH_* variables, which win over defaults."""
        env = os.environ
        data = Path(data_dir or env.get("EVENTWATCH_DATA_DIR") or "data")
        feeds_path = Path(feeds or env.get("EVENTWATCH_FEEDS") or "seeds/feeds.yml")
        db_value = db or env.get("EVENTWATCH_DB")
        return cls(
            data_dir=data,
            feeds_file=feeds_path,
            stories_file=(Path(stories or env["EVENTWATCH_STORIES"])
                          if stories or env.get("EVENTWATCH_STORIES") else None),
            db_path=Path(db_value) if db_value else None,
            as_of=parse_as_of(as_of or env.get("EVENTWATCH_AS_OF")),
            force=force,
            fetch_policy=FetchPolicy.from_env(env),
            page_policy=PagePolicy.from_env(env),
            lock_wait_s=_lock_wait(env.get("EVENTWATCH_LOCK_WAIT_S")),
        )


def _lock_wait(raw: str | None) -> float:
    """EVENTWATCH_LOCK_WAIT_S as seconds (>= 0), or the default when unset."""
    if raw is None or not raw.strip():
        return DEFAULT_LOCK_WAIT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ValueError(f"EVENTWATCH_LOCK_WAIT_S={raw!r} is not a number of seconds (0 or more)")
    return value
