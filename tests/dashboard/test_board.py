"""The dashboard's text safety: feed-derived text is made inert before any markdown-rendering element."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from pipelines.dashboard.board import plain

_SPECIAL = set("\\`*_{}[]()<>#+-.!|:~$=")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@pytest.mark.reliability(kind="fuzz", fault="any text from a feed (markdown links, HTML, emoji shortcodes, LaTeX) "
                         "shown in a dashboard heading or static table", outcome="every markup character is "
                         "backslash-escaped: it shows as typed and renders nothing", lost="nothing")
@given(st.text())
def test_plain_escapes_every_markup_character_and_keeps_the_text(text):
    escaped = plain(text)
    assert _unescape(escaped) == text
    # outside escapes, no character is left that markdown could read as markup
    unescaped_left = re.sub(r"\\.", "", escaped)
    assert not (_SPECIAL & set(unescaped_left))


def test_a_javascript_link_and_html_in_a_title_stay_text():
    escaped = plain("[open](javascript:alert(1)) <img src=x onerror=alert(1)> :red[x] $x$")
    assert escaped == (r"\[open\]\(javascript\:alert\(1\)\) \<img src\=x onerror\=alert\(1\)\> "
                       r"\:red\[x\] \$x\$")
