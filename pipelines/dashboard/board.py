"""What every page of the dashboard shares: the snapshot, the board's as_of, cached queries, safe text.

Queries are cached per snapshot version (its inode, size and mtime), so a new publish is picked up
on the next rerun and a page redraw costs nothing while the snapshot stays the same.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from pipelines.dashboard import queries
from pipelines.dashboard.snapshot import Snapshot
from pipelines.settings import Settings

STATUS_COLOURS = {"upcoming": "#1f77b4", "due": "#ff7f0e", "passed": "#9e9e9e", "postponed": "#9467bd",
                  "cancelled": "#d62728"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|:~$=])")


def snapshot_path() -> Path:
    """The published snapshot the board reads (EVENTWATCH_DATA_DIR, as the CLI sets it)."""
    return Settings.from_env().snapshot_path


@st.cache_resource(show_spinner=False)
def _snapshot(path: str) -> Snapshot:
    return Snapshot(Path(path))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(path: str, version_key: str, name: str, args: tuple, kwargs: tuple):
    with _snapshot(path).cursor() as con:
        return getattr(queries, name)(con, *args, **dict(kwargs))


def _frozen(value):
    return tuple(value) if isinstance(value, (list, set)) else value


def q(name: str, *args, **kwargs):
    """Run `queries.<name>(con, *args, **kwargs)` on the current snapshot, cached per snapshot version."""
    path = str(snapshot_path())
    version = _snapshot(path).version()
    started = time.perf_counter()
    result = _cached(path, version.key, name, tuple(_frozen(a) for a in args),
                     tuple(sorted((k, _frozen(v)) for k, v in kwargs.items())))
    timings = st.session_state.setdefault("_query_ms", [])
    timings.append((name, (time.perf_counter() - started) * 1000))
    return result


def as_of() -> datetime:
    """The instant the board is drawn at (set by the sidebar's date control in app.py)."""
    return st.session_state["board_as_of"]


def story_id() -> str | None:
    """The story the board is narrowed to (the sidebar's selector in app.py), or None for all stories."""
    return st.session_state.get("story_id")


def story_caption() -> str:
    """' · story: <name>' when the board is narrowed to a story, else ''."""
    chosen = story_id()
    if not chosen:
        return ""
    names = q("stories")
    name = next(iter(names.loc[names["story_id"] == chosen, "name"]), chosen)
    return f" · story: {plain(name)}"


def published_as_of() -> datetime:
    """The clock of the run that published the snapshot."""
    return st.session_state["published_as_of"]


def plain(text: object) -> str:
    """Feed-derived text made inert for Streamlit markdown: every markup character escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def day(value: object) -> str:
    """A date or timestamp as YYYY-MM-DD (empty for nothing)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def link_column(label: str = "link") -> st.column_config.LinkColumn:
    """A column of http(s) links (queries.safe_url has dropped any other scheme)."""
    return st.column_config.LinkColumn(label, display_text="open", validate=r"^https?://")


def _is_day(column: str) -> bool:
    return column.startswith("due_") or column in ("day", "first_day", "last_day") \
        or column.endswith(("_then", "_now"))


def _time_columns(frame: pd.DataFrame) -> dict:
    """Dates as dates, instants to the minute (UTC), for st.dataframe."""
    config = {}
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = (st.column_config.DateColumn(column, format="YYYY-MM-DD") if _is_day(column)
                              else st.column_config.DatetimeColumn(column, format="YYYY-MM-DD HH:mm"))
    return config


def table(frame: pd.DataFrame, *, links: tuple[str, ...] = ("url",), height: int | None = None,
          empty: str | None = None, **config) -> None:
    """A dataframe shown as plain text cells (st.dataframe draws text, never HTML), URL columns as links;
    with `empty`, a frame without rows is that note instead."""
    if empty is not None and frame.empty:
        st.info(empty)
        return
    column_config = _time_columns(frame)
    column_config.update({c: link_column(c) for c in links if c in frame})
    column_config.update(config)
    kwargs = {"height": height} if height else {}
    st.dataframe(frame, hide_index=True, column_config=column_config, width="stretch", **kwargs)


def _cell_text(column: str, value) -> object:
    if isinstance(value, (pd.Timestamp, datetime, date)) and not pd.isna(value):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if _is_day(column) else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return plain(value)
    return value


def static(frame: pd.DataFrame) -> None:
    """A small table written into the page (st.table), every text cell escaped: st.table renders markdown."""
    shown = frame.copy()
    for column in shown.columns:
        if shown[column].dtype == object or pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = [_cell_text(column, v) for v in shown[column]]
    st.table(shown, hide_index=True, border="horizontal")


def pager(key: str, total: int, rows: int = queries.PAGE_ROWS) -> int:
    """A page number chooser under a table of `total` rows (nothing when one page holds them all);
    returns the offset of the chosen page's first row."""
    pages = max(1, -(-int(total) // rows))
    if pages == 1:
        return 0
    if st.session_state.get(key, 1) > pages:  # the filters changed under a later page: show the last
        st.session_state[key] = pages
    page = int(st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key=key))
    st.caption(f"rows {(page - 1) * rows + 1}–{min(page * rows, total)} of {total}")
    return (page - 1) * rows


def footer() -> None:
    """The time this page's queries took (cached ones cost nothing)."""
    timings = st.session_state.pop("_query_ms", [])
    total = sum(ms for _, ms in timings)
    st.caption(f"{len(timings)} queries, {total:.0f} ms")
