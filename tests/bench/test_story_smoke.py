"""A smoke of the story benchmark's harness: the generator and a first and a no-op run on ~50 articles."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import story
import storygen

pytestmark = pytest.mark.slow


def test_the_generator_is_deterministic_and_story_shaped():
    articles = storygen.generate(60)
    assert articles == storygen.generate(60)
    words = [len(" ".join(a.paragraphs).split()) for a in articles]
    assert min(words) >= 550  # about 600; an edited re-run swaps its last paragraph for a shorter update
    text = " ".join(p for a in articles for p in a.paragraphs)
    assert sum(text.count(short) for _, short in storygen.LEADERS) > 100  # leaders quoted again and again
    assert len({a.link for a in articles}) < len(articles)  # some articles come back edited


def test_the_harness_measures_a_first_and_a_noop_run():
    figures = story.bench_story(50, timeout_s=600)
    assert not figures["first"]["timed_out"]
    assert figures["first"]["skipped"] is None
    assert figures["rerun"]["skipped"], "the unchanged rerun skips extract, dbt and the gates"
    assert set(figures["first"]["stages"]) >= {"fetch", "extract", "dbt_build", "gates_marts", "publish"}
    assert figures["first"]["peak_rss_mib"] > 0 and figures["bare_parse_s"] > 0
