"""Score the extractors against the hand-annotated gold set (seeds/gold/passages.yml).

    report = evaluate()                 # runs extract_article on every gold passage
    print(report.render())              # precision, recall and F1 per extractor
    report.below(load_floors())         # the scores that fell under their recorded floor

How a prediction matches a gold item (one-to-one within a passage, best overlap first):

- actors: the same actor key; a key is the actor id, or `anonymous@<affiliation>` for an unnamed
  source (`anonymous@-` when it has none), so that an anonymous source is scored on its affiliation;
- claims: the same speaker key and overlapping claim text (character spans in the passage);
- deadlines: overlapping spans and the same due_start, due_end and precision.

Matched pairs are then compared on their secondary fields (claims: via, cue verb, claim type,
is_direct_quote, targets; deadlines: is_future, event, location, status), reported as accuracies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from pipelines import resources
from pipelines.extract import ArticleExtraction, Gazetteer, extract_article, load_gazetteer

GOLD_DIR = resources.seed("gold")
GOLD_PATH = GOLD_DIR / "passages.yml"
FLOORS_PATH = GOLD_DIR / "floors.json"
EXTRACTORS = ("actors", "claims", "deadlines")
_CLAIM_FIELDS = ("via", "cue", "type", "direct", "targets")
_DEADLINE_FIELDS = ("future", "event", "location", "status")


@dataclass(frozen=True)
class GoldPassage:
    """One annotated passage."""

    passage_id: str
    published: datetime
    text: str
    cases: tuple[str, ...]
    actors: frozenset[str]
    claims: tuple[dict, ...]
    deadlines: tuple[dict, ...]


@dataclass
class Score:
    """Counts for one extractor and the precision, recall and F1 they give."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        """Share of predictions that match a gold item."""
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of gold items matched by a prediction."""
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Scores per extractor, secondary-field accuracies and the errors, passage by passage."""

    passages: int
    cases: dict[str, int]
    scores: dict[str, Score] = field(default_factory=lambda: {name: Score() for name in EXTRACTORS})
    fields: dict[str, list[int]] = field(default_factory=dict)  # "claims.via" -> [agree, compared]
    errors: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """Flat metric names (actors.f1, claims.precision, ...) and their values."""
        out = {}
        for name, score in self.scores.items():
            out[f"{name}.precision"] = score.precision
            out[f"{name}.recall"] = score.recall
            out[f"{name}.f1"] = score.f1
        return out

    def below(self, floors: dict[str, float]) -> dict[str, tuple[float, float]]:
        """The metrics under their floor: name -> (value, floor)."""
        values = self.metrics()
        return {name: (values[name], floor) for name, floor in floors.items() if values[name] + 1e-9 < floor}

    def render(self, verbose: bool = False) -> str:
        """A plain-text report: the score table, field accuracies and, when verbose, every error."""
        lines = [f"gold set: {self.passages} passages; case tags: "
                 + ", ".join(f"{k} {n}" for k, n in sorted(self.cases.items())), ""]
        lines.append(f"{'extractor':<11}{'gold':>6}{'pred':>6}{'match':>7}{'precision':>11}{'recall':>8}{'F1':>7}")
        for name, s in self.scores.items():
            gold = s.true_positives + s.false_negatives
            predicted = s.true_positives + s.false_positives
            lines.append(f"{name:<11}{gold:>6}{predicted:>6}{s.true_positives:>7}"
                         f"{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}")
        lines += ["", "agreement on matched items:"]
        for name, (agree, compared) in sorted(self.fields.items()):
            lines.append(f"  {name:<20}{agree:>4}/{compared:<4} {agree / compared if compared else 1:.3f}")
        if verbose and self.errors:
            lines += ["", "errors:", *("  " + e for e in self.errors)]
        return "\n".join(lines)


def load_gold(path: Path = GOLD_PATH) -> list[GoldPassage]:
    """Read the gold passages from YAML."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)["passages"]
    return [
        GoldPassage(
            passage_id=p["id"], published=p["published"], text=p["text"], cases=tuple(p.get("cases") or ()),
            actors=frozenset(p.get("actors") or ()), claims=tuple(p.get("claims") or ()),
            deadlines=tuple(p.get("deadlines") or ()),
        )
        for p in raw
    ]


def load_floors(path: Path | None = None) -> dict[str, float]:
    """The recorded score floors (metric name -> minimum), from seeds/gold/floors.json by default."""
    with open(path or FLOORS_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def evaluate(gold: list[GoldPassage] | None = None, gazetteer: Gazetteer | None = None) -> Report:
    """Run the extractors on every gold passage and score them."""
    gold = load_gold() if gold is None else gold
    gazetteer = gazetteer or load_gazetteer()
    cases: dict[str, int] = {}
    for passage in gold:
        for case in passage.cases:
            group = case.split(".", 1)[0]
            cases[group] = cases.get(group, 0) + 1
    report = Report(passages=len(gold), cases=cases)
    for passage in gold:
        result = extract_article(passage.text, passage.published, gazetteer)
        _score_actors(report, passage, result)
        _score_claims(report, passage, result)
        _score_deadlines(report, passage, result)
    return report


# --- matching -------------------------------------------------------------------------------------


def _actor_key(actor_id: str | None, result: ArticleExtraction) -> str | None:
    """The scoring key of an actor: its id, or anonymous@<affiliation> for an unnamed source."""
    if actor_id is None:
        return None
    actor = next((a for a in result.actors if a.actor_id == actor_id), None)
    if actor is not None and actor.actor_type == "anonymous":
        return f"anonymous@{getattr(actor, 'affiliation', None) or '-'}"
    return actor_id


def _score_actors(report: Report, passage: GoldPassage, result: ArticleExtraction) -> None:
    """Actors: the set of keys mentioned in the passage."""
    predicted = {_actor_key(m.actor_id, result) for m in result.mentions}
    score = report.scores["actors"]
    score.true_positives += len(predicted & passage.actors)
    score.false_positives += len(predicted - passage.actors)
    score.false_negatives += len(passage.actors - predicted)
    for key in sorted(predicted - passage.actors):
        report.errors.append(f"{passage.passage_id} actor  FP {key}")
    for key in sorted(passage.actors - predicted):
        report.errors.append(f"{passage.passage_id} actor  FN {key}")


def _span(text: str, surface: str, nth: int = 1) -> tuple[int, int]:
    """Offsets of the nth occurrence of surface in text."""
    start = -1
    for _ in range(nth):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters two spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _pair(gold: list, predicted: list, compatible) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), largest overlaps first."""
    candidates = sorted(
        ((overlap, g, p) for g, gold_item in enumerate(gold) for p, item in enumerate(predicted)
         if (overlap := compatible(gold_item, item)) > 0),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, g, p in candidates:
        if g not in used_gold and p not in used_pred:
            used_gold.add(g)
            used_pred.add(p)
            pairs.append((g, p))
    return pairs


def _agree(report: Report, name: str, gold_value, predicted_value) -> bool:
    """Count one comparison of a secondary field."""
    tally = report.fields.setdefault(name, [0, 0])
    tally[1] += 1
    if gold_value == predicted_value:
        tally[0] += 1
        return True
    return False


def _score_claims(report: Report, passage: GoldPassage, result: ArticleExtraction) -> None:
    """Claims: the right speaker and overlapping text."""
    gold = [(c, _span(passage.text, c["text"])) for c in passage.claims]
    predicted = [
        (c, _actor_key(c.speaker_actor_id, result), (c.start_char, c.end_char)) for c in result.claims
    ]

    def compatible(g, p) -> int:
        """Overlap when the speaker matches, else 0."""
        return _overlap(g[1], p[2]) if g[0]["speaker"] == p[1] else 0

    pairs = _pair(gold, predicted, compatible)
    _tally(report, "claims", passage, len(gold), len(predicted), pairs)
    for g, p in pairs:
        item, claim = gold[g][0], predicted[p][0]
        observed = {
            "via": _actor_key(claim.via_actor_id, result), "cue": claim.cue_verb, "type": claim.claim_type,
            "direct": claim.is_direct_quote,
            "targets": sorted(_actor_key(t, result) for t in getattr(claim, "target_actor_ids", ()) or ()),
        }
        expected = {"via": item.get("via"), "targets": sorted(item.get("targets") or []),
                    **{k: item[k] for k in ("cue", "type", "direct") if k in item}}
        for name in _CLAIM_FIELDS:
            if name in expected and not _agree(report, f"claims.{name}", expected[name], observed[name]):
                report.errors.append(f"{passage.passage_id} claim  {name}: gold {expected[name]!r} "
                                     f"got {observed[name]!r} ({item['text'][:40]!r})")
    matched_gold = {g for g, _ in pairs}
    matched_pred = {p for _, p in pairs}
    for g, (item, _) in enumerate(gold):
        if g not in matched_gold:
            report.errors.append(f"{passage.passage_id} claim  FN {item['speaker']}: {item['text'][:70]!r}")
    for p, (claim, key, _) in enumerate(predicted):
        if p not in matched_pred:
            report.errors.append(f"{passage.passage_id} claim  FP {key} ({claim.speaker_surface!r}): "
                                 f"{claim.claim_text[:70]!r}")


def _score_deadlines(report: Report, passage: GoldPassage, result: ArticleExtraction) -> None:
    """Deadlines: overlapping spans with the same resolved window and precision."""
    gold = [(d, _span(passage.text, d["surface"], d.get("nth", 1))) for d in passage.deadlines]
    predicted = [t for t in result.time_expressions if t.is_deadline_candidate]

    def compatible(g, t) -> int:
        """Overlap when the dates and the precision agree, else 0."""
        item, span = g
        same = (_date(item["start"]), _date(item["end"]), item["precision"]) == (t.due_start, t.due_end, t.precision)
        return _overlap(span, (t.start_char, t.end_char)) if same else 0

    pairs = _pair(gold, predicted, compatible)
    _tally(report, "deadlines", passage, len(gold), len(predicted), pairs)
    for g, p in pairs:
        item, timex = gold[g][0], predicted[p]
        observed = {"future": timex.is_future, "event": timex.event_label, "location": timex.location,
                    "status": timex.status_cue}
        for name in _DEADLINE_FIELDS:
            if name in item or name in ("event", "location"):
                expected = item.get(name)
                if not _agree(report, f"deadlines.{name}", expected, observed[name]):
                    report.errors.append(f"{passage.passage_id} timex  {name}: gold {expected!r} "
                                         f"got {observed[name]!r} ({item['surface']!r})")
    matched_gold = {g for g, _ in pairs}
    matched_pred = {p for _, p in pairs}
    for g, (item, _) in enumerate(gold):
        if g not in matched_gold:
            report.errors.append(f"{passage.passage_id} timex  FN {item['surface']!r} "
                                 f"{item['start']}..{item['end']} {item['precision']}")
    for p, timex in enumerate(predicted):
        if p not in matched_pred:
            report.errors.append(f"{passage.passage_id} timex  FP {timex.surface!r} "
                                 f"{timex.due_start}..{timex.due_end} {timex.precision}")


def _tally(report: Report, name: str, passage: GoldPassage, gold: int, predicted: int,
           pairs: list[tuple[int, int]]) -> None:
    """Add one passage's counts to an extractor's score."""
    score = report.scores[name]
    score.true_positives += len(pairs)
    score.false_positives += predicted - len(pairs)
    score.false_negatives += gold - len(pairs)


def _date(value) -> date:
    """A YAML date (or ISO string) as a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
