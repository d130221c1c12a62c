"""Alerts: what the stories' rules fired by the board's day, newest first, with what changed and the evidence."""

from __future__ import annotations

import streamlit as st

from pipelines.dashboard import board


def main() -> None:
    as_of = board.as_of()
    st.title("Alerts")
    st.caption(f"fired by {as_of:%Y-%m-%d %H:%M} UTC, on report time{board.story_caption()}: a story deadline "
               "announced, moved, postponed or cancelled, one falling due, a watched actor's claim, a failing feed")
    frame = board.q("alerts", as_of, story_id=board.story_id())
    if frame.empty:
        st.info("No alert had fired by this day.")
    else:
        counts = frame["rule"].value_counts()
        cols = st.columns(len(counts) + 1)
        cols[0].metric("Alerts", len(frame))
        for col, (rule, count) in zip(cols[1:], counts.items()):
            col.metric(rule, int(count))
        board.table(frame[["fired_at", "rule", "message", "what_changed", "outlets", "title", "url", "story",
                           "subject"]])
    board.footer()


main()
