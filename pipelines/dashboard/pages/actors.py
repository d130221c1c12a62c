"""Actors: who is most active, when, who appears with whom; an actor's claims and mentions."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pipelines.dashboard import board


def _activity_chart(activity: pd.DataFrame) -> alt.Chart:
    return alt.Chart(activity).mark_line(point=True).encode(
        x=alt.X("day:T", title="week from"), y=alt.Y("mentions:Q", title="mentions per week"), color="name:N",
        tooltip=["day:T", "name", "mentions", "claims"]).properties(height=260)


def _selected_actor(as_of) -> str | None:
    options = board.q("actor_options", as_of, story_id=board.story_id())
    ids = list(options["actor_id"])
    names = dict(zip(options["actor_id"], options["name"] + " (" + options["actor_type"] + ")"))
    wanted = st.query_params.get("actor")
    chosen = st.selectbox("An actor's page", ids, index=ids.index(wanted) if wanted in ids else None,
                          format_func=names.get, placeholder="choose an actor")
    if chosen:
        st.query_params["actor"] = chosen
    elif "actor" in st.query_params:
        del st.query_params["actor"]
    return chosen


def _actor_page(as_of, actor_id: str) -> None:
    story = board.story_id()
    st.markdown("**Claims made or relayed**")
    offset = board.pager("actor_claims_page", board.q("actor_claim_count", as_of, actor_id, story_id=story))
    board.table(board.q("actor_claims", as_of, actor_id, story_id=story, offset=offset), empty="No claims.")
    st.markdown("**Appears with**")
    pairs = board.q("co_mentions", as_of, actor_id=actor_id, limit=20, story_id=story)
    board.table(pairs[["actor", "with_actor", "articles"]])
    st.markdown("**Mentions**")
    offset = board.pager("actor_mentions_page", board.q("actor_mention_count", as_of, actor_id, story_id=story))
    board.table(board.q("actor_mentions", as_of, actor_id, story_id=story, offset=offset))


def main() -> None:
    as_of = board.as_of()
    st.title("Actors")
    st.caption(f"as of {as_of:%Y-%m-%d %H:%M} UTC{board.story_caption()}")
    types = st.multiselect("Actor types", board.q("actor_types"), default=["person", "organization"],
                           key="actor_types")
    top = board.q("top_actors", as_of, limit=25, types=tuple(types), story_id=board.story_id())
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Most active")
        board.static(top.head(12)[["name", "actor_type", "country", "mentions", "claims", "relayed_claims"]])
    with right:
        st.subheader("Who appears with whom")
        pairs = board.q("co_mentions", as_of, limit=12, story_id=board.story_id())
        board.static(pairs[["actor", "with_actor", "articles"]])
    st.subheader("Activity over time (the top 5, per week)")
    activity = board.q("actor_activity", as_of, list(top["actor_id"][:5]), grain="week",
                       story_id=board.story_id())
    if activity.empty:
        st.info("No activity yet.")
    else:
        st.altair_chart(_activity_chart(activity), width="stretch")
    chosen = _selected_actor(as_of)
    if chosen:
        _actor_page(as_of, chosen)
    board.footer()


main()
