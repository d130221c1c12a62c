"""As of: the board as it stood on a past day: what that day brought, and each deadline then and now."""

from __future__ import annotations

import streamlit as st

from pipelines.dashboard import board


def main() -> None:
    as_of = board.as_of()
    now = board.published_as_of()
    st.title("As of")
    st.caption("Pick the day in the sidebar: every page is then drawn as it stood at the end of that day, "
               "on report time (articles published by then, deadlines in the state reported by then, "
               "statuses computed on that day).")
    st.subheader(f"On {as_of:%Y-%m-%d}{board.story_caption()}")
    day = board.q("reported_on", as_of, story_id=board.story_id())
    cols = st.columns(3)
    cols[0].metric("Articles that day", len(day["articles"]))
    cols[1].metric("Deadline changes that day", len(day["deadline_changes"]))
    cols[2].metric("Claims that day", len(day["claims"]))
    for key, title in (("deadline_changes", "Deadlines announced, moved or called off"),
                       ("articles", "Articles"), ("claims", "Claims")):
        st.markdown(f"**{title}**")
        board.table(day[key], empty="None that day.")
    st.subheader(f"Deadlines then ({as_of:%Y-%m-%d}) and at the snapshot ({now:%Y-%m-%d})")
    total = board.q("deadline_summary", as_of, story_id=board.story_id())["total"]
    offset = board.pager("then_and_now_page", total)
    board.table(board.q("statuses_then_and_now", as_of, now, story_id=board.story_id(), offset=offset), links=())
    board.footer()


main()
