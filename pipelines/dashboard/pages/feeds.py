"""Feeds and quality: is every feed fresh, what did the gates say, what was set aside, how did the last run go."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pipelines.dashboard import board

SEVERITY_COLOURS = {"pass": "#2ca02c", "warn": "#ffbf00", "block": "#d62728"}


def _last_run(as_of) -> None:
    run = board.q("last_run", as_of)
    st.subheader("The last run")
    if run is None:
        st.info("No run recorded by this day.")
        return
    cols = st.columns(5)
    cols[0].metric("Run clock (as_of)", f"{run['as_of']:%Y-%m-%d %H:%M}" if run["as_of"] else "?")
    fetches = run.get("fetches", {})
    cols[1].metric("Feeds ok / failed", f"{fetches.get('ok', 0)} / {fetches.get('failed', 0)}")
    cols[2].metric("Entries seen / new", f"{fetches.get('seen', 0)} / {fetches.get('new', 0)}")
    gates = run["gates"]
    cols[3].metric("Gates pass / warn / block", f"{gates['pass']} / {gates['warn']} / {gates['block']}")
    cols[4].metric("Quarantined", fetches.get("quarantined", 0))
    st.text(f"run {run['run_id']}, gates checked at {run['checked_at']:%Y-%m-%d %H:%M:%S} UTC (wall clock)")
    failed = board.q("failed_expectations", run["run_id"])
    if not failed.empty:
        st.markdown("**Expectations that warned or blocked**")
        board.table(failed, links=())
    if not run["published"].empty:
        with st.expander("Marts published by this run (row counts)"):
            board.table(run["published"], links=())


def _gates_chart(results: pd.DataFrame) -> alt.Chart:
    colour = alt.Color("severity:N", scale=alt.Scale(domain=list(SEVERITY_COLOURS),
                                                     range=list(SEVERITY_COLOURS.values())))
    return alt.Chart(results).mark_square(size=120).encode(
        x=alt.X("run_as_of:T", title="run clock"), y=alt.Y("suite:N", title=None), color=colour,
        tooltip=["run_id", "stage", "suite", "severity", "evaluated", "failed"]).properties(height=22 * 18)


def main() -> None:
    as_of = board.as_of()
    st.title("Feeds and quality")
    st.caption(f"as of {as_of:%Y-%m-%d %H:%M} UTC")
    st.subheader("Freshness and errors per feed")
    health = board.q("feed_health", as_of)
    if health.empty:
        st.info("No fetch recorded by this day (or the snapshot predates quality.fetch_log).")
    else:
        shown = health.assign(hours_since_success=health["hours_since_success"].map(
            lambda h: "" if pd.isna(h) else f"{h:.1f}"))
        board.static(shown[["feed_id", "state", "last_success_at", "hours_since_success", "last_article_at",
                            "failures_since_success", "last_error_at", "last_error", "attempts", "entries_new"]])
    st.subheader(f"Articles per day by feed{board.story_caption()}")
    per_day = board.q("articles_per_day", as_of, story_id=board.story_id())
    if not per_day.empty:
        st.altair_chart(alt.Chart(per_day).mark_bar().encode(
            x=alt.X("day:T", title=None), y=alt.Y("articles:Q", stack=True), color="feed:N",
            tooltip=["day:T", "feed", "articles"]).properties(height=220), width="stretch")
    st.subheader("Gate results over time")
    results = board.q("gate_results", as_of)
    if results.empty:
        st.info("No gate has run by this day.")
    else:
        st.altair_chart(_gates_chart(results), width="stretch")
    st.subheader("Quarantined records")
    quarantine = board.q("quarantined", as_of)
    board.table(quarantine, links=(), empty="Nothing quarantined by this day.")
    _last_run(as_of)
    board.footer()


main()
