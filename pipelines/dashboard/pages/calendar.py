"""Calendar: what is due, drawn over its window, and did the date move? A deadline's history on report time."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from pipelines.dashboard import board


def _marker(row: pd.Series) -> str:
    marks = []
    if row["moved"]:
        marks.append("moved")
    if row["status"] in ("postponed", "cancelled"):
        marks.append(row["status"])
    return ", ".join(marks)


def _timeline(frame: pd.DataFrame, as_of, past: int, ahead: int) -> alt.LayerChart:
    data = frame.assign(
        row=frame["label"] + " · " + frame["due_start"].astype(str),
        end=pd.to_datetime(frame["due_end"]) + timedelta(days=1),  # a window ends at the end of its last day
        start=pd.to_datetime(frame["due_start"]),
        marker=frame.apply(_marker, axis=1),
    )[["row", "label", "start", "end", "due_start", "due_end", "precision", "status", "marker", "dates",
       "state_change"]]
    order = list(data.sort_values(["start", "end", "row"])["row"])
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False))
    # the window the sliders chose: a season-long report does not stretch the axis
    day = pd.Timestamp(as_of.date())
    x_scale = alt.Scale(domain=[day - timedelta(days=past), day + timedelta(days=ahead + 1)])
    colour = alt.Color("status:N", scale=alt.Scale(domain=list(board.STATUS_COLOURS),
                                                   range=list(board.STATUS_COLOURS.values())))
    tooltip = ["label", "due_start", "due_end", "precision", "status", "state_change", "dates", "marker"]
    bars = alt.Chart(data).mark_bar(cornerRadius=2, clip=True).encode(
        x=alt.X("start:T", title=None, scale=x_scale), x2="end:T", y=y, color=colour, tooltip=tooltip)
    marks = alt.Chart(data[data["marker"] != ""]).mark_text(align="left", dx=6, fontSize=11, clip=True).encode(
        x="end:T", y=y, text="marker:N", color=colour)
    moved_from = _previous_dates(frame, data)
    previous = alt.Chart(moved_from).mark_point(shape="diamond", filled=False, size=70, color="#555").encode(
        x="start:T", y=alt.Y("row:N", sort=order), tooltip=["label:N", "moved_from:N"])
    today = alt.Chart(pd.DataFrame({"as_of": [pd.Timestamp(as_of)]})).mark_rule(
        color="#333", strokeDash=[4, 3]).encode(x="as_of:T")
    return (bars + marks + previous + today).properties(height=_chart_height(len(data)))


def _chart_height(rows: int) -> int:
    return max(160, 24 * rows)


def _previous_dates(frame: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    rows = [{"row": row, "label": label, "moved_from": str(start), "start": pd.Timestamp(start)}
            for row, label, starts in zip(data["row"], frame["label"], frame["moved_from"]) for start in starts]
    return pd.DataFrame(rows, columns=["row", "label", "moved_from", "start"])


def _summary(summary: dict, week_total: int) -> None:
    cols = st.columns(4)
    cols[0].metric("Due in the next 7 days", week_total)
    cols[1].metric("Upcoming", summary["upcoming"])
    cols[2].metric("Moved", summary["moved"])
    cols[3].metric("Cancelled or postponed", summary["cancelled_or_postponed"])


def _calendar_table(frame: pd.DataFrame) -> None:
    shown = frame.assign(marker=frame.apply(_marker, axis=1))[
        ["label", "due_start", "due_end", "precision", "status", "marker", "dates", "state_change",
         "first_reported_at", "state_reported_at", "article_count"]]
    board.table(shown)


def _selected(frame: pd.DataFrame, as_of, story) -> tuple[str | None, pd.DataFrame]:
    """The deadline whose history is shown (chosen from a page of all of them, or named in the URL)."""
    wanted = st.query_params.get("deadline")
    if wanted and wanted not in set(frame["deadline_id"]):
        frame = pd.concat([frame, board.q("deadlines", as_of, deadline_ids=[wanted], story_id=story, limit=None)],
                          ignore_index=True)
    ids = list(frame["deadline_id"])
    if not ids:
        return None, frame
    names = {r.deadline_id: f"{r.label} · {board.day(r.due_start)} ({r.status})" for r in frame.itertuples()}
    index = ids.index(wanted) if wanted in ids else None
    chosen = st.selectbox("A deadline's history", ids, index=index, format_func=names.get,
                          placeholder="choose a deadline")
    if chosen:
        st.query_params["deadline"] = chosen
    elif "deadline" in st.query_params:
        del st.query_params["deadline"]
    return chosen, frame


def _deadline_page(deadline_id: str, frame: pd.DataFrame, as_of) -> None:
    row = frame[frame["deadline_id"] == deadline_id].iloc[0]
    st.subheader(board.plain(row["label"]))
    st.text(f"{board.day(row['due_start'])} to {board.day(row['due_end'])} ({row['precision']}): {row['status']} as of "
            f"{board.day(as_of)}; dates reported: {row['dates']}")
    st.markdown("**States, on report time** (each valid from the report that made it)")
    board.table(board.q("deadline_history", as_of, deadline_id))
    st.markdown("**Every report**")
    board.table(board.q("deadline_reports", as_of, deadline_id))
    st.markdown("**Claims in the same articles**")
    claims = board.q("deadline_claims", as_of, deadline_id, story_id=board.story_id())
    board.table(claims, empty="No claims in the articles that report this deadline.")


def main() -> None:
    as_of = board.as_of()
    st.title("Calendar")
    st.caption(f"as of {as_of:%Y-%m-%d %H:%M} UTC, on report time{board.story_caption()}")
    left, right = st.columns(2)
    past = left.slider("Recent: days back", 0, 120, 30)
    ahead = right.slider("Upcoming: days ahead", 0, 365, 60)
    story = board.story_id()
    summary = board.q("deadline_summary", as_of, past_days=past, ahead_days=ahead, story_id=story)
    week_total = board.q("deadline_summary", as_of, past_days=0, ahead_days=7, story_id=story,
                         short_only=True)["total"]
    week = board.q("due_within", as_of, 7, story_id=story)
    _summary(summary, week_total)
    st.subheader("Due in the next 7 days")
    if week.empty:
        st.info("Nothing is due in the next 7 days.")
    else:
        board.static(week[["label", "due_start", "due_end", "precision", "status", "dates"]])
        if week_total > len(week):
            st.caption(f"the first {len(week)} of {week_total}")
    st.subheader("Timeline")
    offset = board.pager("timeline_page", summary["total"])
    frame = board.q("deadlines", as_of, past_days=past, ahead_days=ahead, story_id=story, offset=offset)
    if frame.empty:
        st.info("No deadline falls in this window.")
    else:
        st.altair_chart(_timeline(frame, as_of, past, ahead), width="stretch", height=_chart_height(len(frame)) + 40)
        _calendar_table(frame)
    # the history of any deadline, in the window or not: chosen from a page of them all
    offset = board.pager("deadline_choice_page", board.q("deadline_summary", as_of, story_id=story)["total"])
    chosen, every = _selected(board.q("deadlines", as_of, story_id=story, offset=offset), as_of, story)
    if chosen:
        _deadline_page(chosen, every, as_of)
    board.footer()


main()
