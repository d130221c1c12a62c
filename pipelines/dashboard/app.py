"""The dashboard's entrypoint (`eventwatch dashboard` runs it with Streamlit): the as-of and story
controls and the pages.

Every page reads the published snapshot only, through pipelines.dashboard.board. The sidebar's date
control sets the instant the whole board is drawn at, and the URL carries it (`?as_of=YYYY-MM-DD`),
so a view of a past day can be linked. Once the snapshot holds stories, a story selector (default
"All stories", `?story=ID`) narrows every page to one story's articles.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from pipelines.dashboard import board, queries
from pipelines.dashboard.snapshot import NoSnapshot

PAGES = Path(__file__).parent / "pages"
ALL_STORIES = ""  # the selector's first choice: no story filter


def _initial_day(param: str | None, first: date, last: date) -> date:
    try:
        wanted = date.fromisoformat(param) if param else last
    except ValueError:
        wanted = last
    return min(max(wanted, first), last)


def _as_of_control() -> None:
    info = board.q("snapshot_info")
    published = info["as_of"]
    last = published.date()
    first = info["first_article_at"].date() if info["first_article_at"] is not None else last
    if "as_of_day" not in st.session_state or not first <= st.session_state["as_of_day"] <= last:
        st.session_state["as_of_day"] = _initial_day(st.query_params.get("as_of"), first, last)
    chosen = st.sidebar.date_input(
        "As of", key="as_of_day", min_value=first, max_value=last, format="YYYY-MM-DD",
        help="Draw the board as it stood at the end of this day (UTC), on report time: only what the "
             "news had published by then, deadlines in the state reported by then.")
    st.query_params["as_of"] = chosen.isoformat()
    st.session_state["published_as_of"] = published
    st.session_state["board_as_of"] = queries.board_as_of(chosen, published)
    st.sidebar.caption(f"snapshot: run as of {published:%Y-%m-%d %H:%M} UTC, {info['article_count']} articles")


def _story_control() -> None:
    """The story selector, drawn only once the snapshot has stories; its choice is board.story_id()."""
    stories = board.q("stories")
    st.session_state["story_id"] = None
    if stories.empty:
        return
    ids = [ALL_STORIES, *stories["story_id"]]
    names = dict(zip(stories["story_id"], stories["name"]))
    if st.session_state.get("story_choice") not in ids:
        wanted = st.query_params.get("story")
        st.session_state["story_choice"] = wanted if wanted in ids else ALL_STORIES
    chosen = st.sidebar.selectbox(
        "Story", ids, key="story_choice", format_func=lambda i: "All stories" if i == ALL_STORIES else names[i],
        help="Show only the articles of one story (marts.article_stories), the claims in them and the "
             "deadlines they report. Stories select, they never drop: All stories shows everything.")
    if chosen == ALL_STORIES:
        st.query_params.pop("story", None)
    else:
        st.query_params["story"] = chosen
        st.session_state["story_id"] = chosen


def main() -> None:
    st.set_page_config(page_title="eventwatch", layout="wide")
    pages = [
        st.Page(PAGES / "calendar.py", title="Calendar", url_path="calendar", default=True),
        st.Page(PAGES / "claims.py", title="Claims", url_path="claims"),
        st.Page(PAGES / "actors.py", title="Actors", url_path="actors"),
        st.Page(PAGES / "feeds.py", title="Feeds and quality", url_path="feeds"),
        st.Page(PAGES / "alerts.py", title="Alerts", url_path="alerts"),
        st.Page(PAGES / "as_of.py", title="As of", url_path="as-of"),
    ]
    page = st.navigation(pages)
    try:
        _as_of_control()
        _story_control()
    except NoSnapshot as exc:
        st.error(str(exc))
        st.stop()
    page.run()


main()
