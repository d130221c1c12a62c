"""Score the extractors on third-party corpora read in place: PolNeAR (brat) and TimeML (TimeBank).

    report = score_polnear(Path("../shared/realtext/polnear/dev"))
    report = score_timeml(Path("../shared/realtext/timebank"))
    print(report.render()); report.metrics()     # {"attribution.f1": ..., ...}

Nothing here copies a corpus into the project; the figures are development scores.

PolNeAR (`text/*.txt` + `attributions/*.ann`, one .ann per annotator, suffix after the last `_`):
one annotator per document, the first suffix in sort order, so that a document annotated six times
counts once. A gold attribution is an `E` line with a Content; its published day is the date in the
file name. Our claims pair one-to-one with gold attributions by content overlap (largest first);
- attribution: the pair exists (P over our claims, R over gold attributions with content);
- source: the pair's speaker shares a word with the gold source span (`he` = `he`; a name we
  resolved from a pronoun does not count, as in span-based scoring of PARC);
- cue: our cue lemma is the lemma (seeds/cue_verbs.csv) of a cue inside the gold cue span, or shares
  its first three letters with one of its words;
- quoted recall: the share of gold attributions whose content opens with a double quote mark that
  we paired.

TimeML (`*.tml`): gold TIMEX3 inside <TEXT>, the DCT is the publication time. TempEval-3 style:
strict extent (same offsets) and relaxed extent (overlap, one-to-one) P/R/F1; value F1 counts a
relaxed pair whose values are the same string (`1998-W02`, `P3W`, `PRESENT_REF`), over every type
(P over our expressions, R over gold); `value.<TYPE>` counts per gold type, its P over ours of that
type; `type` counts a relaxed pair whose types agree.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pipelines import resources
from pipelines.extract import Gazetteer, extract_article, load_gazetteer

FLOORS_PATH = resources.seed("gold/realtext_floors.json")
_FILE_DAY = re.compile(r"_(\d{4}-\d{2}-\d{2})_")
_FALLBACK_DAY = datetime(2016, 6, 1)
_WORD = re.compile(r"[\w'’-]+")
_SOURCE_STOP = {"the", "a", "an", "of", "'s", "’s", "and", "to", "in", "for"}
_QUOTE_OPEN = ('"', "“", "”", "''", "``")


@dataclass
class Tally:
    """True positives, system count and gold count for one measure."""

    hits: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        """Hits over our predictions."""
        return self.hits / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Hits over gold items."""
        return self.hits / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class CorpusReport:
    """Tallies per measure, and recall-only shares, for one corpus directory."""

    corpus: str
    documents: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)
    shares: dict[str, Tally] = field(default_factory=dict)  # recall only: hits over gold

    def tally(self, name: str) -> Tally:
        """The tally called name, created empty when new."""
        return self.tallies.setdefault(name, Tally())

    def share(self, name: str) -> Tally:
        """The recall-only share called name, created empty when new."""
        return self.shares.setdefault(name, Tally())

    def metrics(self) -> dict[str, float]:
        """Flat `measure.precision|recall|f1` and `share.recall` figures, for floors."""
        out: dict[str, float] = {}
        for name, t in self.tallies.items():
            out |= {f"{name}.precision": t.precision, f"{name}.recall": t.recall, f"{name}.f1": t.f1}
        out |= {f"{name}.recall": t.recall for name, t in self.shares.items()}
        return out

    def render(self) -> str:
        """A small table: measure, P, R, F1 and the counts behind them."""
        lines = [f"{self.corpus}: {self.documents} documents (development scores)",
                 f"{'measure':<22}{'P':>7}{'R':>7}{'F1':>7}   hits/ours/gold"]
        for name, t in self.tallies.items():
            lines.append(f"{name:<22}{t.precision:>7.3f}{t.recall:>7.3f}{t.f1:>7.3f}   "
                         f"{t.hits}/{t.predicted}/{t.gold}")
        for name, t in self.shares.items():
            lines.append(f"{name:<22}{'':>7}{t.recall:>7.3f}{'':>7}   {t.hits}/-/{t.gold}")
        return "\n".join(lines)


def _pairs(gold: list[list[tuple[int, int]]], ours: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, our index) of overlapping spans, largest overlap first."""
    candidates = []
    for gi, fragments in enumerate(gold):
        for oi, (start, end) in enumerate(ours):
            overlap = sum(max(0, min(end, e) - max(start, s)) for s, e in fragments)
            if overlap > 0:
                candidates.append((-overlap, gi, oi))
    used_gold: set[int] = set()
    used_ours: set[int] = set()
    pairs = []
    for _, gi, oi in sorted(candidates):
        if gi not in used_gold and oi not in used_ours:
            used_gold.add(gi)
            used_ours.add(oi)
            pairs.append((gi, oi))
    return pairs


# --- PolNeAR -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoldAttribution:
    """One brat attribution: content fragments, its text, the source and cue texts."""

    content: tuple[tuple[int, int], ...]
    content_text: str
    source: str
    cue: str


def parse_brat(ann: str) -> list[GoldAttribution]:
    """The attributions of one .ann file that have a content span."""
    spans: dict[str, tuple[tuple[tuple[int, int], ...], str]] = {}
    events = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 3:
            _label, _, offsets = parts[1].partition(" ")
            fragments = tuple(tuple(int(x) for x in f.split()) for f in offsets.split(";"))
            spans[parts[0]] = (fragments, parts[2])  # type: ignore[assignment]
        elif line.startswith("E") and len(parts) >= 2:
            events.append(dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg))
    out = []
    for args in events:
        content = spans.get(args.get("Content", ""))
        if content is None:
            continue
        out.append(GoldAttribution(
            content=content[0], content_text=content[1],
            source=spans.get(args.get("Source", ""), ((), ""))[1],
            cue=spans.get(args.get("Cue", ""), ((), ""))[1],
        ))
    return out


def polnear_documents(directory: Path) -> list[tuple[Path, Path]]:
    """(text, chosen annotation) pairs: the first annotator in sort order for each text."""
    chosen: dict[str, Path] = {}
    for ann in sorted((directory / "attributions").glob("*.ann")):
        chosen.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    texts = directory / "text"
    return [(texts / f"{stem}.txt", ann) for stem, ann in sorted(chosen.items())
            if (texts / f"{stem}.txt").exists()]


def _words(text: str, stop: set[str] = _SOURCE_STOP) -> set[str]:
    return {w for w in (m.group(0).lower() for m in _WORD.finditer(text or "")) if w not in stop}


def _cue_agrees(ours: str, gold: str, cues: dict) -> bool:
    """Our cue lemma is the lemma of a cue in the gold cue span (by seeds/cue_verbs.csv), or shares
    its first three letters with a word of it (a cue the list lacks)."""
    ours = (ours or "").lower()
    span = " ".join(_WORD.findall(gold.lower()))
    if any(cue.lemma == ours and re.search(rf"\b{re.escape(key)}\b", span) for key, cue in cues.items()):
        return True
    return bool(ours) and any(w.startswith(ours[:3]) for w in span.split())


def score_polnear(directory: Path, gazetteer: Gazetteer | None = None) -> CorpusReport:
    """Attribution, source and cue P/R/F1 and quoted-content recall on one PolNeAR split."""
    gazetteer = gazetteer or load_gazetteer()
    report = CorpusReport(f"polnear/{directory.name}")
    for text_path, ann_path in polnear_documents(directory):
        text = text_path.read_text(encoding="utf-8")
        gold = parse_brat(ann_path.read_text(encoding="utf-8"))
        day = _FILE_DAY.search(text_path.name)
        published = datetime.fromisoformat(day.group(1)) if day else _FALLBACK_DAY
        claims = extract_article(text, published, gazetteer).claims
        _score_attributions(report, gold, claims, gazetteer.cues)
        report.documents += 1
    return report


def _score_attributions(report: CorpusReport, gold: list[GoldAttribution], claims, cues: dict) -> None:
    """Pair claims with gold attributions by content and count every measure for one document."""
    pairs = dict(_pairs([list(g.content) for g in gold], [(c.start_char, c.end_char) for c in claims]))
    for name in ("attribution", "source", "cue"):
        report.tally(name).predicted += len(claims)
        report.tally(name).gold += len(gold)
    for gi, g in enumerate(gold):
        quoted = g.content_text.lstrip().startswith(_QUOTE_OPEN)
        if quoted:
            report.share("quoted").gold += 1
        if gi not in pairs:
            continue
        claim = claims[pairs[gi]]
        report.tally("attribution").hits += 1
        report.share("quoted").hits += quoted
        if _words(g.source) & _words(claim.speaker_surface or ""):
            report.tally("source").hits += 1
        if _cue_agrees(claim.cue_verb, g.cue, cues):
            report.tally("cue").hits += 1


# --- TimeML --------------------------------------------------------------------------------------

_TEXT = re.compile(r"<TEXT>(.*?)</TEXT>", re.DOTALL)
_DCT = re.compile(r'<DCT>\s*<TIMEX3[^>]*\bvalue="(\d{4}-\d{2}-\d{2})')
_TAG = re.compile(r"<(/?)(\w+)([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class GoldTimex:
    """One TIMEX3 inside <TEXT>: offsets into the tag-stripped text, type and value."""

    start: int
    end: int
    type: str
    value: str


def parse_timeml(tml: str) -> tuple[str, date, list[GoldTimex]]:
    """The tag-stripped text of <TEXT>, the DCT and the gold TIMEX3s with offsets into that text."""
    body, dct = _TEXT.search(tml), _DCT.search(tml)
    if not body or not dct:
        raise ValueError("no <TEXT> or no <DCT> date")
    raw, text, gold = body.group(1), [], []
    length, position, open_timex = 0, 0, None
    for tag in _TAG.finditer(raw):
        chunk = html.unescape(raw[position:tag.start()])
        text.append(chunk)
        length += len(chunk)
        position = tag.end()
        if tag.group(2) != "TIMEX3":
            continue
        if tag.group(1):
            if open_timex is not None:
                gold.append(GoldTimex(open_timex[0], length, open_timex[1], open_timex[2]))
            open_timex = None
        else:
            attrs = dict(_ATTR.findall(tag.group(3)))
            open_timex = (length, attrs.get("type", ""), attrs.get("value", ""))
    text.append(html.unescape(raw[position:]))
    return "".join(text), date.fromisoformat(dct.group(1)), gold


def score_timeml(directory: Path, gazetteer: Gazetteer | None = None) -> CorpusReport:
    """TempEval-3-style strict/relaxed extent and value P/R/F1 on a folder of .tml files."""
    gazetteer = gazetteer or load_gazetteer()
    report = CorpusReport(f"timeml/{directory.name}")
    for path in sorted(directory.glob("*.tml")):
        text, dct, gold = parse_timeml(path.read_text(encoding="utf-8"))
        ours = extract_article(text, datetime.combine(dct, datetime.min.time()), gazetteer).time_expressions
        _score_timexes(report, gold, list(ours))
        report.documents += 1
    return report


def _score_timexes(report: CorpusReport, gold: list[GoldTimex], ours: list) -> None:
    """Count strict and relaxed extent, value over all types and per gold type, for one document."""
    exact = {(g.start, g.end) for g in gold}
    strict = report.tally("extent.strict")
    strict.predicted += len(ours)
    strict.gold += len(gold)
    strict.hits += sum((t.start_char, t.end_char) in exact for t in ours)
    pairs = _pairs([[(g.start, g.end)] for g in gold], [(t.start_char, t.end_char) for t in ours])
    for name in ("extent.relaxed", "value"):
        report.tally(name).predicted += len(ours)
        report.tally(name).gold += len(gold)
    report.tally("extent.relaxed").hits += len(pairs)
    for kind in ("DATE", "TIME", "DURATION", "SET"):
        tally = report.tally(f"value.{kind}")
        tally.gold += sum(g.type == kind for g in gold)
        tally.predicted += sum(t.timex_type == kind for t in ours)
    for gi, oi in pairs:
        g, t = gold[gi], ours[oi]
        if t.value == g.value:
            report.tally("value").hits += 1
            report.tally(f"value.{g.type}").hits += 1
        if t.timex_type == g.type:
            report.tally("type").hits += 1
    report.tally("type").predicted += len(ours)
    report.tally("type").gold += len(gold)


def load_floors(path: Path = FLOORS_PATH) -> dict[str, dict[str, float]]:
    """The recorded floors, per corpus report name ("polnear/dev", "timeml/timebank")."""
    return json.loads(path.read_text(encoding="utf-8"))


def below_floors(report: CorpusReport,
                 floors: dict[str, dict[str, float]] | None = None) -> dict[str, tuple[float, float]]:
    """The measures of a report that fell under their floor (none when its corpus has no floors)."""
    recorded = (floors if floors is not None else load_floors()).get(report.corpus, {})
    metrics = report.metrics()
    return {name: (metrics.get(name, 0.0), floor) for name, floor in recorded.items()
            if metrics.get(name, 0.0) < floor}
