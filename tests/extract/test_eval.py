"""The gold set and its scoring: the file is well formed, matching follows the documented rules, and
no extractor scores below the floor recorded in seeds/gold/floors.json."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pipelines.cli import main
from pipelines.extract import load_gazetteer
from pipelines.extract.evaluate import (
    EXTRACTORS,
    FLOORS_PATH,
    GOLD_DIR,
    GoldPassage,
    evaluate,
    load_floors,
    load_gold,
)

# The issue's targets on the gold set: the floors may only rise above them.
TARGETS = {"actors.f1": 0.95, "claims.f1": 0.85, "deadlines.f1": 0.90}
HELD_OUT_PATH = GOLD_DIR / "heldout.yml"

@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


@pytest.fixture(scope="module")
def report(gazetteer):
    """The extractors scored on the whole gold set, once."""
    return evaluate(gazetteer=gazetteer)


def _passage(text, actors=(), claims=(), deadlines=(), published=datetime(2021, 12, 30, 19, 0, tzinfo=timezone.utc)):
    """A one-off gold passage."""
    return GoldPassage("t1", published, text, ("actor.test",), frozenset(actors), tuple(claims), tuple(deadlines))


def test_gold_set_is_well_formed():
    gold = load_gold()
    assert len(gold) >= 60
    assert len({p.passage_id for p in gold}) == len(gold)
    for passage in gold:
        assert passage.published.tzinfo is not None, passage.passage_id
        for claim in passage.claims:
            assert claim["text"] in passage.text, (passage.passage_id, claim["text"])
            assert claim["type"] in ("warning", "demand", "assessment", "denial", "commitment", "statement")
        for item in passage.deadlines:
            assert passage.text.count(item["surface"]) >= item.get("nth", 1), (passage.passage_id, item)
            assert item["start"] <= item["end"] and item["precision"] in ("day", "week", "month", "season", "year")
    groups = {case.split(".")[0] for p in gold for case in p.cases}
    assert groups == {"actor", "claim", "deadline"}


def test_every_score_holds_its_floor(report):
    below = report.below(load_floors())
    assert not below, report.render(verbose=True)


def test_floors_cover_every_extractor_and_hold_the_issue_targets():
    floors = load_floors()
    assert {name.split(".")[0] for name in floors} == set(EXTRACTORS)
    for name, target in TARGETS.items():
        assert floors[name] >= target, f"{name}: floor {floors[name]} is below the target {target}"


def test_the_held_out_set_is_well_formed_and_disjoint():
    held_out = load_gold(HELD_OUT_PATH)
    assert len(held_out) >= 20
    texts = {p.text for p in load_gold()}
    assert not any(p.text in texts for p in held_out)
    for passage in held_out:
        for claim in passage.claims:
            assert claim["text"] in passage.text, (passage.passage_id, claim["text"])


def test_actor_scoring_counts_misses_and_false_hits(gazetteer):
    text = "President Biden spoke with Mr. Putin on Thursday."
    perfect = evaluate([_passage(text, actors=["joe-biden", "vladimir-putin"])], gazetteer)
    assert perfect.scores["actors"].f1 == 1.0
    # a gold actor the text does not support is a miss; an unannotated mention is a false hit
    skewed = evaluate([_passage(text, actors=["joe-biden", "sergey-lavrov"])], gazetteer)
    score = skewed.scores["actors"]
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 1, 1)
    assert any("FN sergey-lavrov" in e for e in skewed.errors)


def test_claim_needs_the_right_speaker_and_an_overlapping_text(gazetteer):
    text = "Mr. Putin warned that sanctions would be a colossal mistake."
    right = {"speaker": "vladimir-putin", "cue": "warn", "type": "warning", "direct": False,
             "text": "sanctions would be a colossal mistake"}
    assert evaluate([_passage(text, ["vladimir-putin"], [right])], gazetteer).scores["claims"].f1 == 1.0
    wrong_speaker = dict(right, speaker="joe-biden")
    assert evaluate([_passage(text, ["vladimir-putin"], [wrong_speaker])], gazetteer).scores["claims"].f1 == 0.0
    elsewhere = dict(right, text="Mr. Putin")
    assert evaluate([_passage(text, ["vladimir-putin"], [elsewhere])], gazetteer).scores["claims"].f1 == 0.0


def test_deadline_needs_the_same_window_and_precision(gazetteer):
    text = "The talks open in Geneva on Jan. 10."
    item = {"surface": "on Jan. 10", "start": date(2022, 1, 10), "end": date(2022, 1, 10), "precision": "day",
            "future": True, "event": "talks", "location": "Geneva"}
    assert evaluate([_passage(text, deadlines=[item])], gazetteer).scores["deadlines"].f1 == 1.0
    last_year = dict(item, start=date(2021, 1, 10), end=date(2021, 1, 10))
    assert evaluate([_passage(text, deadlines=[last_year])], gazetteer).scores["deadlines"].f1 == 0.0


def test_eval_command_prints_the_scores_and_checks_the_floors(capsys):
    assert main(["eval", "--check"]) == 0
    out = capsys.readouterr().out
    for name in EXTRACTORS:
        assert f"\n{name}" in out
    assert "precision" in out and "F1" in out


def test_eval_command_fails_below_a_floor(tmp_path, capsys, monkeypatch):
    floors = tmp_path / "floors.json"
    floors.write_text('{"claims.f1": 1.01}')
    monkeypatch.setattr("pipelines.extract.evaluate.FLOORS_PATH", floors)
    assert floors != FLOORS_PATH
    assert main(["eval", "--check"]) == 1
    assert "below floor: claims.f1" in capsys.readouterr().err
