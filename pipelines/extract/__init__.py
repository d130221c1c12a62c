"""Rule-based extraction of actors, claims and deadlines from one article (pure, deterministic).

    gazetteer = load_gazetteer()          # seeds/actors.csv + cue_verbs.csv + roles.csv + actor_words.csv
    result = extract_article(text, published_at, gazetteer)
    result.mentions, result.claims, result.time_expressions, result.actors

No model weights: a gazetteer, cue verbs, dated roles and precompiled regular expressions. `text` is
the string the offsets point into (the stage passes title + "\\n\\n" + body); `published_at` is the
only clock relative dates and roles are resolved against: an aware datetime counts in its own time
zone, a naive one is UTC. `extractor_versions` gives each extractor's version, which decides what the
stage (`pipelines.extract.stage.run_extract`) re-reads; `pipelines.extract.evaluate` scores all three
against the gold set in seeds/gold/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines import resources
from pipelines.extract import actors as _actors, claims as _claims, deadlines as _deadlines
from pipelines.extract.actors import Actor, CueVerb, Gazetteer, Mention
from pipelines.extract.claims import Claim, find_claims
from pipelines.extract.deadlines import TimeExpression, find_time_expressions
from pipelines.extract.text import split_sentences

EXTRACTOR_VERSION = "0.2.0"

_SEEDS = resources.seeds_dir()

__all__ = [
    "EXTRACTOR_VERSION", "Actor", "ArticleExtraction", "Claim", "CueVerb", "Gazetteer", "Mention",
    "TimeExpression", "extract_article", "extractor_versions", "load_gazetteer",
]


@dataclass(frozen=True)
class ArticleExtraction:
    """Everything extracted from one article version; offsets point into the text given."""

    mentions: tuple[Mention, ...]
    claims: tuple[Claim, ...]
    time_expressions: tuple[TimeExpression, ...]
    actors: tuple[Actor, ...]


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load the actor gazetteer (default seeds/actors.csv) with the cue verbs, roles and actor word lists
    beside it (the bundled cue verbs and word lists where it has none)."""
    path = Path(path) if path is not None else _SEEDS / "actors.csv"
    cue_path = path.with_name("cue_verbs.csv")
    if not cue_path.exists():
        cue_path = _SEEDS / "cue_verbs.csv"
    roles_path = path.with_name("roles.csv")
    words_path = path.with_name(_actors.WORDS_FILE)
    return _actors.load_gazetteer(path, cue_path, roles_path if roles_path.exists() else None,
                                  words_path if words_path.exists() else None)


def extractor_versions(gazetteer: Gazetteer) -> dict[str, str]:
    """The version of each extractor: the package version, its rules' version and, for those that read
    the gazetteer, the seeds' fingerprint. A table whose version changed is re-extracted, alone."""
    seeds = f"+{gazetteer.fingerprint}" if gazetteer.fingerprint else ""
    return {
        "mentions": f"{EXTRACTOR_VERSION}/actors.{_actors.RULES_VERSION}{seeds}",
        "claims": f"{EXTRACTOR_VERSION}/claims.{_claims.RULES_VERSION}.actors.{_actors.RULES_VERSION}{seeds}",
        "time_expressions": f"{EXTRACTOR_VERSION}/deadlines.{_deadlines.RULES_VERSION}",
    }


def extract_article(text: str, published_at: datetime, gazetteer: Gazetteer) -> ArticleExtraction:
    """Extract mentions, claims and time expressions from one article's text."""
    if published_at.tzinfo is not None:  # relative dates count from the article's own wall clock
        published_at = published_at.replace(tzinfo=None)
    sentences = split_sentences(text)
    findings = _actors.find_actors(text, sentences, gazetteer, published_at.date())
    claims = find_claims(text, sentences, findings, gazetteer)
    referenced = {m.actor_id for m in findings.mentions}
    referenced |= {c.speaker_actor_id for c in claims if c.speaker_actor_id}
    referenced |= {c.via_actor_id for c in claims if c.via_actor_id}
    return ArticleExtraction(
        mentions=findings.mentions,
        claims=tuple(claims),
        time_expressions=tuple(find_time_expressions(text, sentences, published_at)),
        actors=tuple(sorted((findings.actors[a] for a in referenced), key=lambda a: a.actor_id)),
    )
