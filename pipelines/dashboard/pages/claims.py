"""Claims: who said what, searchable and filterable; one statement across outlets shown as one row."""

from __future__ import annotations

import streamlit as st

from pipelines.dashboard import board


def _filters(as_of) -> dict:
    options = board.q("claim_options", as_of, story_id=board.story_id())
    search = st.text_input("Search claims, speakers and sentences", key="claim_search",
                           placeholder="a word, a name: Lavrov, guarantees, sanctions...")
    cols = st.columns(5)
    chosen = {
        "speakers": cols[0].multiselect("Speaker", options["speaker"], key="claim_speakers"),
        "vias": cols[1].multiselect("Via (intermediary)", options["via"], key="claim_vias"),
        "cues": cols[2].multiselect("Cue verb", options["cue"], key="claim_cues"),
        "types": cols[3].multiselect("Type", options["type"], key="claim_types"),
        "outlets": cols[4].multiselect("Outlet (feed)", options["outlet"], key="claim_outlets"),
    }
    since_until = st.date_input("Published between", value=(), key="claim_dates", format="YYYY-MM-DD")
    if isinstance(since_until, tuple) and len(since_until) == 2:
        chosen["since"], chosen["until"] = since_until
    return {"search": search or None, **chosen, "story_id": board.story_id()}


def main() -> None:
    as_of = board.as_of()
    st.title("Claims")
    st.caption(f"as of {as_of:%Y-%m-%d %H:%M} UTC: who said what, where and when{board.story_caption()}")
    filters = _filters(as_of)
    cluster_total = board.q("claim_cluster_count", as_of, **filters)
    claim_total = board.q("claim_count", as_of, **filters)
    statements, all_claims = st.tabs([f"Statements ({cluster_total})", f"Every claim ({claim_total})"])
    with statements:
        st.caption("The same statement by one speaker within three days, across articles and outlets, is one row.")
        offset = board.pager("statements_page", cluster_total)
        clusters = board.q("claim_clusters", as_of, **filters, offset=offset)
        board.table(clusters[["first_reported_at", "speaker_name", "cue_verb", "claim_text", "source_count",
                              "outlets", "claim_count", "last_reported_at", "first_url", "urls"]],
                    links=("first_url",), empty="No statement matches.",
                    urls=st.column_config.ListColumn("all sources"))
    with all_claims:
        offset = board.pager("claims_page", claim_total)
        every = board.q("claims", as_of, **filters, offset=offset)
        board.table(every[["published_at", "speaker_name", "via_name", "cue_verb", "claim_type", "claim_text",
                           "is_direct_quote", "outlets", "title", "url"]], empty="No claim matches.")
    board.footer()


main()
