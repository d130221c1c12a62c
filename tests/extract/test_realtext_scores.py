"""The third-party scorers (PolNeAR brat, TimeML) follow their documented rules on files we wrote,
and on ../shared/realtext (skipped when absent) no measure falls below seeds/gold/realtext_floors.json."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.cli import main
from pipelines.extract import load_gazetteer
from pipelines.extract.realtext import (
    FLOORS_PATH,
    below_floors,
    load_floors,
    parse_brat,
    parse_timeml,
    polnear_documents,
    score_polnear,
    score_timeml,
)
from tests.conftest import REPO

REALTEXT = REPO.parent / "shared" / "realtext"

_TEXT = ('Dana Oakhurst said the ferry would run again on Monday. '
         '"We have checked every hull," she told reporters. Crews repainted the pier.')
_ANN = """T1\tSource 0 13\tDana Oakhurst
T2\tCue 14 18\tsaid
T3\tContent 19 54\tthe ferry would run again on Monday
T4\tAttribution 14 18\tsaid
E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1
T5\tContent 56 85\t"We have checked every hull,"
T6\tSource 86 89\tshe
T7\tCue 90 94\ttold
T8\tAttribution 90 94\ttold
E2\tAttribution:T8 Content:T5 Cue:T7 Source:T6
T9\tContent 106 121;122 130\tCrews repainted the pier
T10\tAttribution 106 121\tCrews repainted
E3\tAttribution:T10 Content:T9
"""


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _polnear_dir(tmp_path, stem="harbour_2016-03-07_ferry", annotators=("b2", "a1")):
    """A PolNeAR-shaped folder of our own: one text, the same annotation under several annotators."""
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / f"{stem}.txt").write_text(_TEXT, encoding="utf-8")
    for number, annotator in enumerate(annotators):
        ann = _ANN if number == len(annotators) - 1 else "T1\tContent 0 5\tThe h\nE1\tAttribution:T1 Content:T1\n"
        (tmp_path / "attributions" / f"{stem}_{annotator}.ann").write_text(ann, encoding="utf-8")
    return tmp_path


def test_brat_attributions_keep_content_source_cue_and_fragments():
    gold = parse_brat(_ANN)
    assert [(g.source, g.cue) for g in gold] == [("Dana Oakhurst", "said"), ("she", "told"), ("", "")]
    assert gold[2].content == ((106, 121), (122, 130))


def test_one_annotator_per_document_the_first_in_sort_order(tmp_path):
    [(text, ann)] = polnear_documents(_polnear_dir(tmp_path))
    assert text.name == "harbour_2016-03-07_ferry.txt" and ann.name.endswith("_a1.ann")


def test_polnear_scores_follow_the_rules(tmp_path, gazetteer):
    report = score_polnear(_polnear_dir(tmp_path), gazetteer)
    metrics = report.metrics()
    # Two of three gold attributions are speech our rules read; the sourceless one is a miss.
    assert report.tallies["attribution"].gold == 3
    assert report.tallies["attribution"].hits == 2
    assert metrics["attribution.precision"] == 1.0
    assert report.tallies["cue"].hits == 2  # "say" agrees with "said", "tell" with "told" by the cue list
    assert report.tallies["source"].hits == 2  # the name, and "she" as a span (not the name it resolves to)
    assert report.shares["quoted"].gold == 1 and report.shares["quoted"].hits == 1


_TML = """<?xml version="1.0" ?>
<TimeML>
<DCT><TIMEX3 tid="t0" type="DATE" value="1998-03-04" functionInDocument="CREATION_TIME">19980304</TIMEX3></DCT>
<TEXT>
The lock will reopen on <TIMEX3 tid="t1" type="DATE" value="1998-03-09">Monday</TIMEX3>.
It was shut for <TIMEX3 tid="t2" type="DURATION" value="P3W">three weeks</TIMEX3> of repairs &amp; tests, as planned
<TIMEX3 tid="t3" type="DATE" value="1998-02">last month</TIMEX3>.
</TEXT>
</TimeML>
"""


def test_timeml_offsets_point_into_the_stripped_text():
    text, dct, gold = parse_timeml(_TML)
    assert dct == date(1998, 3, 4)
    assert [text[g.start:g.end] for g in gold] == ["Monday", "three weeks", "last month"]
    assert [g.type for g in gold] == ["DATE", "DURATION", "DATE"]
    assert "repairs & tests" in text


def test_timeml_scores_follow_the_rules(tmp_path, gazetteer):
    (tmp_path / "lock.tml").write_text(_TML, encoding="utf-8")
    report = score_timeml(tmp_path, gazetteer)
    relaxed, value = report.tallies["extent.relaxed"], report.tallies["value"]
    assert relaxed.gold == 3 and value.gold == 3
    assert report.tallies["value.DATE"].gold == 2 and report.tallies["value.DURATION"].gold == 1
    assert value.hits <= relaxed.hits <= relaxed.predicted
    assert report.tallies["value.DATE"].hits == 2  # Monday forward of a Wednesday DCT; last month
    assert report.tallies["value.DURATION"].hits == 1  # "three weeks" is P3W: every type has its value
    assert report.tallies["value.DURATION"].predicted == 1 and report.tallies["type"].hits == 3
    assert report.tallies["extent.strict"].hits == 3  # "on Monday" is scored as "Monday"


def test_floors_flag_a_measure_below_them(tmp_path, gazetteer):
    (tmp_path / "lock.tml").write_text(_TML, encoding="utf-8")
    report = score_timeml(tmp_path, gazetteer)
    name = report.corpus
    assert below_floors(report, {name: {"value.DATE.recall": 0.5}}) == {}
    assert set(below_floors(report, {name: {"value.SET.recall": 1.01}})) == {"value.SET.recall"}


def test_cli_corpus_needs_an_existing_dir(tmp_path, capsys):
    assert main(["eval", "--corpus", "timeml"]) == 2
    assert main(["eval", "--corpus", "timeml", str(tmp_path / "absent")]) == 2
    assert "no such directory" in capsys.readouterr().err


# --- the shared development sets ------------------------------------------------------------------

_SETS = {"polnear/dev": ("polnear", REALTEXT / "polnear" / "dev"),
         "timeml/timebank": ("timeml", REALTEXT / "timebank")}


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(_SETS))
def test_realtext_scores_hold_their_floors(name, capsys):
    corpus, directory = _SETS[name]
    if not directory.is_dir():
        pytest.skip(f"{directory} is absent")
    assert name in load_floors(FLOORS_PATH), f"no floors recorded for {name}"
    code = main(["eval", "--corpus", corpus, str(directory), "--check"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"{name}:" in out.out
