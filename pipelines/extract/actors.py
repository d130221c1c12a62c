"""Actors: who acts in an article, resolved to one id per actor.

Passes, in order of trust (a later pass never takes characters an earlier one named), each a function
over the article's mentions so far (`_Article`), reading its word lists from seeds/actor_words.csv:

1. gazetteer forms from seeds/actors.csv (names, aliases, transliterations), with optional middle
   initials and suffixes ("Vladimir V. Putin", "Joseph R. Biden Jr."), extended leftwards over a
   title or honorific ("President", "Foreign Minister", "Mr.", "Gen."); a capital written
   `~Moscow` counts only where it stands for its government ("Moscow says", "urged Moscow to"), not
   where it is a place ("talks in Moscow"); a `building` ("at the Kremlin") likewise; a possessive
   country inside an institution's name is a mention of its own ("Russia's Defense Ministry");
2. people discovered from their grammar: an appositive ("Marta Kowalczyk, an analyst at ..."), a
   speech cue ("Marta Kowalczyk said", "said Marta Kowalczyk", "according to ..."), a role noun
   before the name ("analyst Marta Kowalczyk");
3. title + name ("Ms. Kowalczyk", "Mr. Austin", "Ambassador Jan Novak"): a person of this article
   with that surname, else a known person by full name or surname, else a discovered one;
4. organizations discovered from their head nouns ("the Baltic Policy Institute");
5. a surname alone after a first mention of its person ("Kowalczyk", "Austin's");
6. anonymous sources in a source role ("a senior administration official said", "according to
   two Western diplomats"), kept as actors of type `anonymous` with their affiliation ("a Kremlin
   aide", "officials in Kyiv", "analysts at the RAND Corporation"); they may nest other mentions;
7. role descriptions resolved on the publication date through seeds/roles.csv ("the German
   chancellor", "Russia's top diplomat", "his American counterpart": see roles.py);
8. group nouns ("the alliance", "the ministry"): the latest earlier actor of that kind.

Pronouns are not mentions: claims resolve them.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from pipelines import resources
from pipelines.extract import roles as _roles
from pipelines.extract.roles import DEMONYMS, Role, RoleQuery
from pipelines.extract.text import Sentence, SentenceIndex, phrase_alternation, slugify

# Bump when the actor finding rules change: the extract stage re-reads what this extractor wrote.
RULES_VERSION = "3"

ACTOR_TYPES = ("person", "organization", "country", "group", "anonymous")
METONYM_MARK = "~"
WORDS_FILE = "actor_words.csv"  # the word lists the passes use, beside actors.csv

# --- names ----------------------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿ\u0100-\u017f"
# possessive (*+): nothing after a name word can start inside it, so no pattern backtracks into it
_NAME_WORD = rf"[{_UP}][{_LOW}]++(?:[{_UP}][{_LOW}]++)?+(?:-[{_UP}]?[{_LOW}]++|['’][{_UP}][{_LOW}]++)*+"
_INITIAL = rf"[{_UP}]\."
_INITIAL_RE = re.compile(_INITIAL)
_INITIALS = rf"[{_UP}]\.(?:[{_UP}]\.)*+"  # "J.K." after a title
_SUFFIX = r"(?:,?\s+(?:Jr\.|Sr\.|II|III|IV))"
_NAME_SEQ = rf"{_NAME_WORD}(?:\s+(?:{_INITIAL}\s+)*{_NAME_WORD}){{1,2}}"

# --- vocabulary (seeds/actor_words.csv) -----------------------------------------------------------

_CAP_WORD = rf"(?:[{_UP}]\.){{2,}}|[{_UP}][\w\-]*+"  # possessive: only a space or a non-word follows it
_WORD_LISTS = ("title", "honorific_gender", "first_name", "role_noun", "role_before_name", "appositive_noun",
               "apposition_role", "plural_title", "host_noun", "host_lead", "not_name", "org_head", "institution_end",
               "generic_org_word", "anon_modifier", "anon_head", "anon_knowing_head", "anon_knowing_link",
               "anon_singular", "group_noun")


@dataclass(frozen=True)
class Vocabulary:
    """The word lists of seeds/actor_words.csv and the patterns built from them."""

    titles: dict[str, str]  # title before a name -> the role it gives ("" for bare honorifics)
    genders: dict[str, str]  # honorific -> "m" / "f"
    first_names: dict[str, str]  # first names common in this story -> "m" / "f" (for he/she without Mr./Ms.)
    not_name: frozenset[str]  # capitalized words that cannot be part of a discovered person's name
    generic_org_words: frozenset[str]  # institution words that name no one institution alone
    anon_singular: dict[str, str]  # plural source noun -> singular
    group_noun_kinds: dict[str, str]  # group noun as written -> the kind in actors.csv, where it differs
    plural_titles: frozenset[str]  # titles of several people ("Sens. Jane Roe and Sam Poe")
    apposition_roles: dict[str, str]  # noun of an appositive -> the role it gives ("a senator from Ohio")
    role_nouns: str = field(repr=False)  # alternation of lowercase job nouns: appositives, "analyst Jane Doe"
    appositive_nouns: str = field(repr=False)  # job nouns trusted in an appositive only ("Sam Poe, the host")
    host_re: re.Pattern = field(repr=False)  # "Fox News host Sam Poe", "the show's co-host Jane Roe"
    title_before_re: re.Pattern = field(repr=False)
    title_name_re: re.Pattern = field(repr=False)
    role_before_re: re.Pattern = field(repr=False)
    org_re: re.Pattern = field(repr=False)
    institution_end_re: re.Pattern = field(repr=False)
    anon_re: re.Pattern = field(repr=False)
    group_noun_re: re.Pattern = field(repr=False)


def load_vocabulary(path: Path) -> Vocabulary:
    """Read seeds/actor_words.csv (list,word,value; rows in the order patterns try them)."""
    lists: dict[str, list[tuple[str, str]]] = {name: [] for name in _WORD_LISTS}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["list"].strip()
            if name not in lists:
                raise ValueError(f"{path}: unknown word list {name!r}")
            lists[name].append((row["word"].strip(), (row.get("value") or "").strip()))
    words = {name: [word for word, _ in rows] for name, rows in lists.items()}
    titles = dict(lists["title"])
    title_alt = _alternation(sorted(titles, key=len, reverse=True))
    org_heads = _alternation(words["org_head"])
    heads = "|".join(re.escape(w) + ("s?" if v == "s" else "") for w, v in lists["anon_head"])
    knowing = "|".join(re.escape(w) + ("s?" if v == "s" else "") for w, v in lists["anon_knowing_head"])
    anon_heads = rf"(?:{knowing})\s+(?:{_alternation(words['anon_knowing_link'])})\s+(?:the\s+)?[a-z]+|{heads}"
    return Vocabulary(
        titles=titles,
        genders=dict(lists["honorific_gender"]),
        first_names=dict(lists["first_name"]),
        not_name=frozenset(words["not_name"]),
        generic_org_words=frozenset(words["generic_org_word"]),
        anon_singular=dict(lists["anon_singular"]),
        group_noun_kinds={w: v for w, v in lists["group_noun"] if v},
        plural_titles=frozenset(words["plural_title"]),
        apposition_roles=dict(lists["apposition_role"]) | dict(lists["host_noun"]),
        role_nouns=_alternation(words["role_noun"]),
        appositive_nouns=_alternation(words["appositive_noun"]),
        # a host after a capitalized word, a show word or a possessive, never the verb ("will host Camp David");
        # the capitalized word starts a token, so a long "Alpha-Alpha-…" run is read once, not from every hyphen
        host_re=re.compile(
            rf"(?:(?<![\w.&’'\-])[{_UP}][\w.&’'\-]*+|\b(?:{_alternation(words['host_lead'])})|['’]s)\s+"
            rf"(?P<role>{_alternation(words['host_noun'])})\s+(?P<name>{_NAME_SEQ})"),
        title_before_re=re.compile(rf"(?<![\w.])(?P<title>{title_alt})\s+$"),
        title_name_re=re.compile(
            rf"(?<![\w.])(?P<title>{title_alt})\s+(?P<name>(?:{_NAME_WORD}|{_INITIALS})"
            rf"(?:\s+(?:{_NAME_WORD}|{_INITIAL})){{0,3}}){_SUFFIX}?(?![\w])"),
        role_before_re=re.compile(rf"\b(?P<role>{_alternation(words['role_before_name'], space=' ')})\s+$"),
        org_re=re.compile(
            rf"(?<![\w.])(?P<org>(?:(?:{_CAP_WORD})\s+){{1,5}}(?:{org_heads})"
            rf"(?:\s+(?:for|of|on)\s+(?:the\s+)?(?:{_CAP_WORD})(?:\s+(?:and\s+)?(?:{_CAP_WORD})){{0,4}})?"
            rf"|(?:{org_heads})\s+(?:for|of|on)\s+(?:the\s+)?(?:{_CAP_WORD})(?:\s+(?:and\s+)?(?:{_CAP_WORD})){{0,4}})"
            rf"(?![\w])"),
        institution_end_re=re.compile(rf"\b(?:{org_heads}|{_alternation(words['institution_end'])})$"),
        anon_re=re.compile(
            rf"(?<![\w.])(?P<det>(?:a|an|the|two|three|four|five|several|some|many|one|other|most)\s+)?"
            rf"(?P<desc>(?:(?:{_alternation(words['anon_modifier'])})\s+){{0,4}}(?:{anon_heads}))(?![\w])",
            re.IGNORECASE),
        # "the alliance", "the ministry": an organization named earlier, by the kind given in actors.csv
        group_noun_re=re.compile(
            rf"\b[Tt]he\s+(?:[a-z][a-z\-]+\s+)?(?P<noun>{_alternation(words['group_noun'])})(?![\w\-])"
            r"(?!\s+(?:of|for|on)\s+[A-Z])"),
    )


def _alternation(words: list[str], space: str = r"\s+") -> str:
    """Regex alternation of words in the order given, a space matching `space`."""
    return "|".join(re.escape(w).replace(r"\ ", space) for w in dict.fromkeys(words))


@cache
def default_vocabulary() -> Vocabulary:
    """The bundled seeds/actor_words.csv, read once."""
    return load_vocabulary(resources.seed(WORDS_FILE))


# --- grammar --------------------------------------------------------------------------------------

# Verbs (and auxiliaries) after a capital that show it acts: "Moscow says", "Washington has".
_AGENT_VERBS = frozenset(
    """says said say warned warns warn wants wanted has had have is was will would could should
    must may might can cannot insists insisted sees saw fears feared hopes hoped plans planned
    expects expected seeks sought refuses refused agreed agrees accused accuses responded responds
    sent sends offered offers proposed proposes signaled signalled signals continues continued
    needs needed believes believed considers considered appears appeared made makes took takes
    gave gives did does remains remained views viewed regards demanded demands denied denies
    rejected rejects threatened threatens told tells vowed vows pledged pledges promised promises
    argued argues insisted claims claimed announced announces dismissed dismisses urged urges
    won't wouldn't doesn't didn't isn't hasn't hadn't can't""".split()
)
_PLACE_PREPOSITIONS = frozenset(
    "in to from at near into outside around toward towards via through across inside visit "
    "visited visiting visits reached arrived left leave fly flew back".split()
)
# Prepositions after which a capital is a place unless a verb follows it ("count on Moscow backing down").
_WEAK_PLACE_PREPOSITIONS = frozenset("on over of for about than upon onto within beyond".split())
# Words before a capital that make it the government: the object of a diplomatic verb ("urged Moscow
# to"), a party to dealings ("talks with Moscow", "sanctions against Moscow", "between Kyiv and").
_GOVERNMENT_BEFORE = frozenset(
    "asked asks urged urges warned warns told tells accused accuses pressed presses promised promises "
    "assured assures reassured reassure criticized criticised condemned condemns blamed blames "
    "sanctioned sanctions punish punished supports supported support backed backs backing "
    "with against between".split()
)
_STAND_BY_RE = re.compile(r"\b(?:stand|stands|standing|stood)\s+by\s+$")
_PLACE_BEFORE_RE = re.compile(
    r"\b(?:at|in|inside|outside|(?<!according )to|from|into|near|toward|towards|around|behind|leaving|left|visited|"
    r"visiting|reached|entered)\s+(?:the\s+)?$", re.IGNORECASE)
# "confirms its attendance", "pulls back the troops": a verb in -s before its object
_VERB_BEFORE_OBJECT_RE = re.compile(r"[a-z]+s\s+(?:its|their|the|a|an|that|to|no|any|it|back|up|out)\b")
_AGENT_AFTER_RE = re.compile(
    rf"^(?:\s+and\s+(?:its\s+allies|{_NAME_WORD}))?"
    r"(?:\s*,\s*(?:he|she|they|it|officials|[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)\s+(?:said|says|added|noted|argued),)?"
    r"(?>\s+(?:[a-z]+ly|also|again|now|still|then|already|not|never|on\s+\w+day|once\s+more)(?=\s))*+"
    r"\s+([a-z]+(?:n['’]t)?)\b"
)
_CAPITALIZED_BEFORE_RE = re.compile(rf"\b(?!The\b|UN\b)[{_UP}][\w’'\-]*\s+$")
_PREVIOUS_WORD_RE = re.compile(r"(\w+)\W*$")
_CAPITALIZED_AFTER_RE = re.compile(rf"[^\S\n]+[{_UP}]")
_POSSESSIVE_RE = re.compile(r"['’]s\b")
_POSSESSOR_RE = re.compile(r"([^'’]+)['’]s\s")
# After a plural title's person: a party tag ("(D-Ohio)", ", Republican of Ohio,") and the next full name
# ("Sens. Jane Roe (D-Ohio), Sam Poe (R-Texas) and Ann Lee"); "and" links the last one.
_COORDINATED_RE = re.compile(
    rf"(?:[^\S\n]*\([^()\n]{{1,20}}\)|,[^\S\n]+(?:Republican|Democrat|independent)[^\S\n]+of[^\S\n]+"
    rf"{_NAME_WORD}(?:[^\S\n]+{_NAME_WORD})?(?=,))?"
    rf"(?P<link>,?[^\S\n]+and[^\S\n]+|,[^\S\n]+)(?P<name>{_NAME_SEQ}){_SUFFIX}?(?![\w])")
_BARE_NAME_RE = re.compile(rf"(?<![\w.\-])({_NAME_WORD})(?=['’]s\b|(?![\w\-]))")


# Role descriptions: a determiner or possessor, an optional "former"/"new", an optional qualifier
# (nationality, country, organization), the office, and an optional "of Ukraine" / "to the OSCE".
_UP_WORD = rf"(?:(?:[{_UP}]\.){{2,}}|[{_UP}][\w’'\-]*)"
_ROLE_RE = re.compile(
    rf"(?:(?P<lead>\b(?:[Tt]he|[Hh]is|[Hh]er|[Tt]heir)[^\S\n]+)"
    rf"|(?P<poss>(?<![\w.])(?<!\w-)(?:[Tt]he[^\S\n]+)?(?:{_UP_WORD}[^\S\n]+){{0,2}}{_UP_WORD}|\b[Tt]he[^\S\n]+(?:alliance|bloc|ministry|organization))['’]s?[^\S\n]+)"
    rf"(?:(?P<mod>former|new|outgoing|then)[^\S\n]+)?"
    rf"(?P<qual>(?:{_UP_WORD}[^\S\n]+){{0,2}})"
    rf"(?:(?P<mod2>former|new|outgoing)[^\S\n]+)?"
    rf"(?P<term>{_roles.term_pattern()}|counterpart|predecessor|successor)(?![\w\-])"
    rf"(?:[^\S\n]+(?P<prep>of|to|in|at)[^\S\n]+(?:the[^\S\n]+)?(?P<post>{_UP_WORD}(?:[^\S\n]+{_UP_WORD}){{0,3}}))?"
)
_DEMONYM_WORD_RE = re.compile(r"\b(?:" + "|".join(d.capitalize() for d in DEMONYMS if "." not in d and d != "us")
                              + r"|U\.S\.)(?![\w])")
_AFFILIATION_LEAD_RE = re.compile(r"\s+(?:in|at|from|for|with|of|inside)\s+(?:the\s+)?")
_DEMONYM_PHRASE_RE = re.compile(r"([A-Z][a-z]+)\s+[a-z]+")


# --- data -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """An actor: a gazetteer entry, or one the extractors discovered in text."""

    actor_id: str
    name: str
    actor_type: str
    country: str | None = None
    is_discovered: bool = False
    affiliation: str | None = None  # anonymous sources: the actor they speak for, when the text says


@dataclass(frozen=True)
class Mention:
    """One surface form in the text that refers to an actor."""

    actor_id: str
    surface: str
    start_char: int
    end_char: int
    sentence_index: int


@dataclass(frozen=True)
class CueVerb:
    """A speech cue: its surface form, its lemma and the type of claim it introduces."""

    cue: str
    lemma: str
    claim_type: str


@dataclass(frozen=True)
class Gazetteer:
    """Known actors, their surface forms and the speech cues, with their compiled patterns."""

    actors: dict[str, Actor]
    forms: dict[str, tuple[str, bool]]  # normalized form -> (actor_id, counts only as an agent)
    forms_by_actor: dict[str, tuple[str, ...]]  # actor_id -> its normalized forms
    surnames: dict[str, str]  # surname -> person actor_id (unambiguous ones only)
    cues: dict[str, CueVerb]  # lowercase cue -> cue verb
    form_re: re.Pattern = field(repr=False)
    cue_re: re.Pattern = field(repr=False)
    discovery_res: tuple[re.Pattern, ...] = field(repr=False)
    source_before_re: re.Pattern = field(repr=False)
    source_after_re: re.Pattern = field(repr=False)
    kinds: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)  # actor_id -> "alliance", ...
    roles: tuple[Role, ...] = field(default=(), repr=False)
    country_ids: dict[str, str] = field(default_factory=dict, repr=False)  # "RU" -> "russia"
    fingerprint: str = ""  # hash of the seed files: a changed gazetteer is a changed extractor
    vocabulary: Vocabulary = field(default_factory=default_vocabulary, repr=False)

    def resolve_name(self, name: str) -> str | None:
        """The actor id of a written name (any form, middle initials ignored), or None."""
        hit = self.forms.get(_normalize_form(name))
        return hit[0] if hit and not hit[1] else None


@dataclass(frozen=True)
class ActorFindings:
    """Mentions in one article plus what claims need to resolve pronouns and role nouns."""

    mentions: tuple[Mention, ...]
    actors: dict[str, Actor]
    genders: dict[str, str]
    roles: tuple[tuple[int, str, str], ...]  # (offset, role, actor_id), in text order


@dataclass(frozen=True)
class _Candidate:
    """A discovered person's name, with the title before it and the role a host title or appositive gives."""

    start: int
    end: int
    name: str
    lead: int | None = None  # start of a title word that belongs to the mention ("host Sam Poe")
    role: str | None = None


@dataclass(frozen=True)
class _Span:
    """A mention under construction: offsets and the actor."""

    start: int
    end: int
    actor_id: str


# --- gazetteer ------------------------------------------------------------------------------------


def load_gazetteer(path: Path, cue_path: Path, roles_path: Path | None = None,
                   words_path: Path | None = None) -> Gazetteer:
    """Read actors.csv, cue_verbs.csv, roles.csv and actor_words.csv (default: the bundled one) into a
    Gazetteer with compiled patterns."""
    actors: dict[str, Actor] = {}
    kinds: dict[str, frozenset[str]] = {}
    forms: dict[str, tuple[str, bool]] = {}
    surname_votes: dict[str, set[str]] = {}
    patterns: list[str] = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            actor = Actor(
                actor_id=row["actor_id"].strip(),
                name=row["name"].strip(),
                actor_type=row["actor_type"].strip(),
                country=(row.get("country") or "").strip() or None,
            )
            if actor.actor_type not in ACTOR_TYPES:
                raise ValueError(f"{path}: actor {actor.actor_id} has unknown type {actor.actor_type!r}")
            if actor.actor_id in actors:
                raise ValueError(f"{path}: duplicate actor_id {actor.actor_id}")
            actors[actor.actor_id] = actor
            kinds[actor.actor_id] = frozenset(k.strip() for k in (row.get("kind") or "").split("|") if k.strip())
            aliases = [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()]
            for form in [actor.name, *aliases]:
                metonym = form.startswith(METONYM_MARK)
                form = form.lstrip(METONYM_MARK)
                key = _normalize_form(form)
                if key in forms and forms[key][0] != actor.actor_id:
                    raise ValueError(f"{path}: form {form!r} belongs to two actors")
                forms[key] = (actor.actor_id, metonym)
                patterns.append(_form_pattern(form, person=actor.actor_type == "person"))
                if actor.actor_type == "person":
                    surname_votes.setdefault(form.split()[-1], set()).add(actor.actor_id)
    surnames = {s: next(iter(ids)) for s, ids in surname_votes.items() if len(ids) == 1}
    forms_by_actor: dict[str, list[str]] = {}
    for form, (actor_id, _) in forms.items():
        forms_by_actor.setdefault(actor_id, []).append(form)
    patterns.sort(key=len, reverse=True)
    form_re = re.compile(r"(?<![\w.\-])(?:" + "|".join(patterns) + r")(?![\w\-])")
    cues = _load_cues(cue_path)
    cue_alt = phrase_alternation(list(cues))
    cue_re = re.compile(rf"(?<![\w\-’'])(?:{cue_alt})(?![\w\-])", re.IGNORECASE)
    roles = _roles.load_roles(roles_path) if roles_path is not None else ()
    for role in roles:
        if role.actor_id not in actors:
            raise ValueError(f"{roles_path}: role of unknown actor {role.actor_id}")
    country_ids = {a.country: a.actor_id for a in actors.values() if a.actor_type == "country" and a.country}
    words_path = Path(words_path) if words_path is not None else resources.seed(WORDS_FILE)
    vocabulary = load_vocabulary(words_path)
    digest = hashlib.sha1()
    for seed in (path, cue_path, roles_path, words_path):
        digest.update(Path(seed).read_bytes() if seed is not None else b"")
    return Gazetteer(actors, forms, {a: tuple(f) for a, f in forms_by_actor.items()}, surnames, cues,
                     form_re, cue_re, *_cue_patterns(cue_re.pattern, vocabulary.role_nouns,
                                                              vocabulary.appositive_nouns),
                     kinds=kinds, roles=roles, country_ids=country_ids, fingerprint=digest.hexdigest()[:8],
                     vocabulary=vocabulary)


def _cue_patterns(cue: str, role_nouns: str, appositive_nouns: str
                  ) -> tuple[tuple[re.Pattern, ...], re.Pattern, re.Pattern]:
    """Patterns that depend on the cue verbs: name discovery and anonymous-source roles."""
    # a name does not start inside a hyphenated word: without the guard a long "Alpha-Beta-…" run is
    # read again from every hyphen
    discovery = (
        rf"(?<!\w-)(?P<name>{_NAME_SEQ}){_SUFFIX}?\s*,\s+(?:a|an|the)\s+(?:[^,;“”\"]){{0,80}}?"
        rf"\b(?P<role>{role_nouns}|{appositive_nouns})s?\b",
        rf"(?<!\w-)(?P<name>{_NAME_SEQ}){_SUFFIX}?\s+(?:(?:has|had|also|then|[a-z]+ly)\s+)?{cue}",
        rf"(?<!\w-)(?P<name>{_NAME_SEQ}){_SUFFIX}?\s*,\s+(?:a|an|the|who)\s+[^,;“”\"]{{1,120}}?,\s+"
        rf"(?:(?:has|had|also|then|[a-z]+ly)\s+)?{cue}",
        rf"\b(?:{role_nouns}),\s+(?P<name>{_NAME_SEQ}){_SUFFIX}?,\s+(?:(?:has|had|also|then|[a-z]+ly)\s+)?{cue}",
        rf"(?:[,”\"]\s*){cue}\s+(?P<name>{_NAME_SEQ})",
        rf"\baccording\s+to\s+(?P<name>{_NAME_SEQ})",
        rf"\b(?:{role_nouns})\s+(?P<name>{_NAME_SEQ})",
    )
    source_before = re.compile(rf"(?:according\s+to|[,”\"]\s*(?:{cue}))\s+$", re.IGNORECASE)
    source_after = re.compile(
        rf",?\s*(?:who\s+)?(?:spoke|speaking|asked|requesting|requested|insisting|declining|who)\b"
        rf"[^,.]*(?:anonymity|named|identified|authorized|publicly|record)"
        rf"|(?:,\s*who\s+[^,]{{0,100}},|\s+(?:in|at|from)\s+{_NAME_WORD}(?:\s+{_NAME_WORD})?)?\s*"
        rf"(?>(?:have|has|had|also|privately|publicly|separately|[a-z]+ly|on\s+\w+day)\s+)*+(?:{cue})(?![\w])",
        re.IGNORECASE,
    )
    return tuple(re.compile(p) for p in discovery), source_before, source_after


def _load_cues(path: Path) -> dict[str, CueVerb]:
    """Read cue_verbs.csv: cue,lemma,claim_type."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {
            row["cue"].strip().lower(): CueVerb(row["cue"].strip().lower(), row["lemma"].strip(),
                                                row["claim_type"].strip())
            for row in csv.DictReader(handle)
        }


def _form_pattern(form: str, person: bool) -> str:
    """Regex for one gazetteer form; person names allow middle initials and a suffix."""
    words = form.split()
    escaped = [re.sub(r"['’]", "['’]", re.escape(w)) for w in words]
    if person and len(words) >= 2:
        body = rf"(?:\s+{_INITIAL})*\s+".join(escaped) + f"{_SUFFIX}?"
    else:
        body = r"\s+".join(escaped)
    return body


@lru_cache(maxsize=65536)  # the same few hundred surfaces recur in every article of a story
def _normalize_form(surface: str) -> str:
    """Collapse whitespace, unify apostrophes, drop middle initials and suffixes."""
    text = re.sub(r"\s+", " ", surface.replace("’", "'")).strip()
    text = re.sub(r",?\s+(?:Jr\.|Sr\.|II|III|IV)$", "", text)
    return re.sub(rf"(?<=\w) (?:[{_UP}]\. )+(?=[{_UP}])", " ", text)


# --- finding --------------------------------------------------------------------------------------


def is_agent_use(text: str, start: int, end: int) -> bool:
    """Whether a capital at [start, end) stands for its government ("Moscow says", "Kyiv's answer",
    "urged Moscow to", "talks with Moscow"), not for a place ("talks in Moscow")."""
    previous = _PREVIOUS_WORD_RE.search(text, max(0, start - 25), start)
    previous_word = previous.group(1).lower() if previous else ""
    if previous_word in _PLACE_PREPOSITIONS:
        return False
    if previous_word in _GOVERNMENT_BEFORE or _STAND_BY_RE.search(text, max(0, start - 25), start):
        return True
    after = text[end:end + 80]
    if _POSSESSIVE_RE.match(after):
        return True
    verb = _AGENT_AFTER_RE.match(after)
    if not verb:
        return False
    word = verb.group(1)
    if previous_word in _WEAK_PLACE_PREPOSITIONS:
        return word.endswith("ing") and word not in ("during", "including")  # "count on Moscow backing down"
    return (word in _AGENT_VERBS or (word.endswith("ed") and len(word) > 4)
            or bool(_VERB_BEFORE_OBJECT_RE.match(after, verb.start(1))))


def _is_place_use(text: str, start: int) -> bool:
    """Whether a building-institution at start is a place ("talks at the Kremlin")."""
    before = _PLACE_BEFORE_RE.search(text, max(0, start - 30), start)
    return before is not None


class _Article:
    """One article's mentions under construction, shared by the passes in turn."""

    def __init__(self, text: str, gazetteer: Gazetteer):
        """Start with no mentions."""
        self.text = text
        self.gazetteer = gazetteer
        self.words = gazetteer.vocabulary
        self.title_case_end = _title_case_headline_end(text)
        self.actors: dict[str, Actor] = {}
        self.spans: list[_Span] = []
        self.genders: dict[str, str] = {}
        self.roles: list[tuple[int, str, str]] = []  # (offset, role, actor_id) a title or role noun gave
        self.discovered: dict[str, Actor] = {}
        self.occupied = bytearray(len(text))  # characters covered by a named (non-anonymous) mention
        self.latest_by_surname: dict[str, tuple[int, int, str]] = {}  # surname -> (start, -order, id)

    def taken(self, start: int, end: int) -> bool:
        """Whether a named mention already covers part of [start, end)."""
        return 1 in self.occupied[start:end]

    def add(self, start: int, end: int, actor: Actor, occupy: bool = True) -> None:
        """Record a mention of actor at [start, end)."""
        known = self.actors.setdefault(actor.actor_id, actor)
        self.spans.append(_Span(start, end, actor.actor_id))
        if known.actor_type == "person":
            _note_surnames(self.latest_by_surname, (start, -len(self.spans), known.actor_id), known, self.gazetteer)
        if occupy and actor.actor_type != "anonymous":
            self.occupied[start:end] = b"\x01" * (end - start)

    def note_title(self, title: str, actor_id: str, offset: int) -> None:
        """Remember the gender an honorific gives and the role a title gives."""
        if title in self.words.genders:
            self.genders.setdefault(actor_id, self.words.genders[title])
        role = self.words.titles.get(title)
        if role:
            self.roles.append((offset, role, actor_id))

    def title_before(self, start: int) -> re.Match | None:
        """A title or honorific right before offset ("President ", "Ms. ")."""
        return self.words.title_before_re.search(self.text, max(0, start - 40), start)

    def findings(self, sentences: list[Sentence]) -> ActorFindings:
        """The mentions in text order, with genders (from the first name where no Mr./Ms. gave one)."""
        index = SentenceIndex(sentences)
        mentions = tuple(
            Mention(s.actor_id, self.text[s.start:s.end], s.start, s.end, _sentence_number(index, s.start))
            for s in sorted(self.spans, key=lambda s: (s.start, -s.end))
        )
        for actor in self.actors.values():
            if actor.actor_type == "person" and actor.actor_id not in self.genders:
                gender = self.words.first_names.get(actor.name.split()[0])
                if gender:
                    self.genders[actor.actor_id] = gender
        return ActorFindings(mentions, self.actors, self.genders, tuple(sorted(self.roles)))


def find_actors(text: str, sentences: list[Sentence], gazetteer: Gazetteer,
                published: date | None = None) -> ActorFindings:
    """Find every actor mention in text and the actors they refer to (roles resolved on `published`)."""
    article = _Article(text, gazetteer)
    for find in (_gazetteer_pass, _discovery_pass, _title_pass, _organization_pass, _surname_pass,
                 _anonymous_pass):
        find(article)
    # role descriptions, then group nouns, in text order so that each can lean on the mentions before it
    if published is not None:
        _role_pass(article, published)
    _drop_anonymous_inside_people(article)
    _group_noun_pass(article)
    return article.findings(sentences)


def _gazetteer_pass(article: _Article) -> None:
    """Pass 1: gazetteer forms, a title before a person's name included."""
    text, gazetteer = article.text, article.gazetteer
    for match in gazetteer.form_re.finditer(text):
        actor_id, metonym = gazetteer.forms.get(_normalize_form(match.group()), (None, False))
        if actor_id is None:
            continue
        if metonym and not is_agent_use(text, match.start(), match.end()):
            continue
        if not _counts_as_mention(article, match, gazetteer.kinds.get(actor_id, frozenset())):
            continue
        start = match.start()
        actor = gazetteer.actors[actor_id]
        if actor.actor_type == "person":
            title = article.title_before(start)
            if title:
                start = title.start()
                article.note_title(re.sub(r"\s+", " ", title.group("title")), actor_id, start)
            role = article.words.role_before_re.search(text, max(0, start - 30), start)
            if role:
                article.roles.append((start, role.group("role"), actor_id))
        article.add(start, match.end(), actor)
        possessor = _POSSESSOR_RE.match(match.group())
        if possessor and actor.actor_type != "person":  # "Russia's Defense Ministry" also names Russia
            hit = gazetteer.forms.get(_normalize_form(possessor.group(1)))
            if hit and hit[0] != actor_id:
                article.add(match.start(), match.start() + len(possessor.group(1)), gazetteer.actors[hit[0]],
                            occupy=False)


def _counts_as_mention(article: _Article, match: re.Match, kinds: frozenset[str]) -> bool:
    """Whether a gazetteer form names its actor here, by the actor's kinds and the words around it."""
    text = article.text
    if "building" in kinds and _is_place_use(text, match.start()):
        return False  # "talks at the Kremlin": the building, not the institution
    if "definite" in kinds and (not (match.group()[:4].lower() == "the "
                                     or text[max(0, match.start() - 4):match.start()].lower() == "the ")
                                or _CAPITALIZED_AFTER_RE.match(text, match.end())):
        return False  # "the West" is an actor, "West Bank" and "the West Bank" are not
    if _is_generic(match.group(), article.words) and _CAPITALIZED_BEFORE_RE.search(
            text, max(0, match.start() - 30), match.start()):
        return False  # "National Security Council", "Russia's Security Council": not the UN body
    return True


def _discovery_pass(article: _Article) -> None:
    """Pass 2: people discovered from their grammar (not in a title-case headline, where every word is
    capitalized)."""
    gazetteer, words = article.gazetteer, article.words
    for candidate in _discovery_candidates(article.text, gazetteer):
        start, end, name = candidate.start, candidate.end, candidate.name
        if start < article.title_case_end or article.taken(start, end):
            continue
        if words.institution_end_re.search(name):
            continue  # "the Élysée Palace said": an organization, left to the organization pass
        actor_id = _resolve_person(name, gazetteer, article.discovered)
        actor = gazetteer.actors.get(actor_id) if actor_id else None
        actor = actor or article.discovered.get(actor_id or "") or _discover_person(name, article.discovered,
                                                                                     gazetteer)
        if candidate.lead is not None and not article.taken(candidate.lead, start):
            start = candidate.lead
        if candidate.role:
            article.roles.append((start, candidate.role, actor.actor_id))
        title = article.title_before(start)
        if title and not article.taken(title.start(), start):
            start = title.start()
            article.note_title(re.sub(r"\s+", " ", title.group("title")), actor.actor_id, start)
        article.add(start, end, actor)


def _title_pass(article: _Article) -> None:
    """Pass 3: title + name, a person of this article by surname first, then the gazetteer, else new."""
    gazetteer, words = article.gazetteer, article.words
    for match in words.title_name_re.finditer(article.text):
        if article.taken(match.start(), match.end()):
            continue
        title = re.sub(r"\s+", " ", match.group("title"))
        name = _normalize_form(match.group("name"))
        actor_id = (_mentioned_surname(name, article.latest_by_surname)
                    or _resolve_person(name, gazetteer, article.discovered))
        end = match.end()
        if actor_id is None:  # "Speaker Paul Ryan Joins Growing List": the known person at its start
            actor_id, end = _known_prefix(article, match)
        if actor_id is None and match.start() < article.title_case_end:
            continue  # "Speaker Just Shared This": in a title-case headline every word is capitalized
        if actor_id is None:
            kept = [w for w in name.split() if w not in words.not_name]
            if not kept:
                continue
            if len(kept) == 1 and title not in words.genders and (
                    words.titles[title] in ("president", "general") or title == "Speaker"
                    or kept[0] in words.generic_org_words):
                continue  # "General Assembly", "Speaker Series", "Representative Office": rarely a name
            actor_id = _discover_person(" ".join(kept), article.discovered, gazetteer).actor_id
        article.note_title(title, actor_id, match.start())
        article.add(match.start(), end, gazetteer.actors.get(actor_id) or article.discovered[actor_id])
        if title in words.plural_titles:
            _coordinated_people(article, end, words.titles[title])


def _known_prefix(article: _Article, match: re.Match) -> tuple[str | None, int]:
    """A known or discovered person named by the first two or three words after a title, and where that
    name ends; (None, the match's end) when no shorter name resolves."""
    words = list(re.finditer(r"\S+", match.group("name")))
    for count in range(len(words) - 1, 1, -1):
        prefix = _normalize_form(" ".join(w.group() for w in words[:count]))
        actor_id = _resolve_person(prefix, article.gazetteer, article.discovered)
        if actor_id is not None:
            return actor_id, match.start("name") + words[count - 1].end()
    return None, match.end()


def _coordinated_people(article: _Article, position: int, role: str) -> None:
    """The people a plural title names after its first ("Sens. Jane Roe (D-Ohio) and Sam Poe"), each
    with the title's role; the list ends at "and" or at anything but a name."""
    gazetteer, not_name = article.gazetteer, article.words.not_name
    while (match := _COORDINATED_RE.match(article.text, position)) is not None:
        start, end = match.span("name")
        name = _normalize_form(match.group("name"))
        if any(w in not_name for w in name.split()) or article.taken(start, end):
            return
        actor_id = _resolve_person(name, gazetteer, article.discovered) or _discover_person(
            name, article.discovered, gazetteer).actor_id
        article.roles.append((start, role, actor_id))
        article.add(start, end, gazetteer.actors.get(actor_id) or article.discovered[actor_id])
        if "and" in match.group("link"):
            return
        position = match.end()


def _organization_pass(article: _Article) -> None:
    """Pass 4: organizations from their head nouns ("the Baltic Policy Institute")."""
    gazetteer = article.gazetteer
    for match in article.words.org_re.finditer(article.text):
        start, end, name = _trim_org(match, article.words)
        if start < article.title_case_end or name is None or article.taken(start, end):
            continue
        actor_id = gazetteer.resolve_name(name)
        if actor_id:
            article.add(start, end, gazetteer.actors[actor_id])
            continue
        actor_id = slugify(name)
        article.add(start, end, article.discovered.setdefault(actor_id, Actor(actor_id, name, "organization",
                                                                              None, True)))


def _surname_pass(article: _Article) -> None:
    """Pass 5: a surname alone after the first mention of its person (bare names of discovered people too)."""
    surnames: dict[str, str] = {}
    for span in article.spans:
        actor = article.actors[span.actor_id]
        if actor.actor_type == "person":
            for form in _person_forms(actor, article.gazetteer):
                surnames.setdefault(form.split()[-1], actor.actor_id)
    first_seen: dict[str, int] = {}
    for span in sorted(article.spans, key=lambda s: s.start):
        first_seen.setdefault(span.actor_id, span.end)
    for match in _BARE_NAME_RE.finditer(article.text):
        actor_id = surnames.get(match.group(1))
        seen = actor_id is not None and first_seen.get(actor_id, len(article.text)) <= match.start()
        if actor_id and seen and not article.taken(*match.span()):
            article.add(match.start(), match.end(), article.actors[actor_id])


def _anonymous_pass(article: _Article) -> None:
    """Pass 6: anonymous sources in a source role, with the affiliation their description gives."""
    text, gazetteer, spans, actors = article.text, article.gazetteer, article.spans, article.actors
    for match in article.words.anon_re.finditer(text):
        end = _affiliation_phrase_end(text, match.end(), gazetteer)
        if not _in_source_role(text, match.start(), end, gazetteer):
            continue
        if any(s.start < match.end() and match.start() < s.end and actors[s.actor_id].actor_type == "person"
               for s in spans):
            continue
        article.add(match.start(), end, _anonymous_actor(text, match, end, gazetteer, spans, actors))


def _role_pass(article: _Article, published: date) -> None:
    """Pass 7: role descriptions ("the German chancellor", "Russia's foreign minister") resolved to the
    holder on the publication date."""
    _RoleResolver(article.text, article.gazetteer, published, article.spans, article.actors, article.roles,
                  article.add, article.taken).run()


def _drop_anonymous_inside_people(article: _Article) -> None:
    """An anonymous source overlapped by a person is that person ("the Kremlin spokesman" is Mr. Peskov)."""
    actors = article.actors
    people = [s for s in article.spans if actors[s.actor_id].actor_type == "person"]
    article.spans[:] = [s for s in article.spans if actors[s.actor_id].actor_type != "anonymous"
                        or not any(p.start < s.end and s.start < p.end for p in people)]


def _group_noun_pass(article: _Article) -> None:
    """Pass 8: 'the alliance', 'the ministry', 'the agency': the latest earlier actor of that kind."""
    gazetteer, words, actors = article.gazetteer, article.words, article.actors
    for match in words.group_noun_re.finditer(article.text):
        noun = words.group_noun_kinds.get(match.group("noun"), match.group("noun"))
        earlier = sorted((s for s in article.spans if s.end <= match.start()), key=lambda s: s.end, reverse=True)
        for span in earlier:
            actor = actors[span.actor_id]
            kinds = gazetteer.kinds.get(actor.actor_id, frozenset())
            named = actor.is_discovered and actor.actor_type == "organization" and noun in actor.name.lower().split()
            if noun in kinds or named:
                article.add(match.start(), match.end(), actor, occupy=False)
                break


def _is_generic(form: str, words: Vocabulary) -> bool:
    """Whether a form is made only of generic institution words ("Security Council")."""
    return all(word in words.generic_org_words for word in form.split())


def _sentence_number(index: SentenceIndex, offset: int) -> int:
    """Index of the sentence holding offset (0 before the first sentence)."""
    sentence = index.at(offset)
    return sentence.index if sentence else 0


def _person_forms(actor: Actor, gazetteer: Gazetteer) -> tuple[str, ...]:
    """Every written form of a person: the name and, for gazetteer people, the aliases."""
    return gazetteer.forms_by_actor.get(actor.actor_id) or (actor.name,)


def _resolve_person(name: str, gazetteer: Gazetteer, discovered: dict[str, Actor]) -> str | None:
    """Resolve a person's name: full form, then surname (same first initial for a full name)."""
    name = _normalize_form(name)
    actor_id = gazetteer.resolve_name(name)
    if actor_id:
        return actor_id
    slug = slugify(name)
    if slug in discovered:
        return slug
    words = name.split()
    surname = words[-1]
    candidate = gazetteer.surnames.get(surname)
    if candidate and (len(words) == 1 or words[0][0] == gazetteer.actors[candidate].name[0]):
        return candidate  # "Sergej Lavrov": a spelling the gazetteer lacks
    for actor in discovered.values():
        if actor.actor_type == "person" and actor.name.split()[-1] == surname:
            if len(words) == 1 or words[0] == actor.name.split()[0]:
                return actor.actor_id
    return None


def _note_surnames(latest: dict[str, tuple[int, int, str]], key: tuple[int, int, str], actor: Actor,
                   gazetteer: Gazetteer) -> None:
    """Remember a person's mention under each surname of its forms when it is the latest one named
    (furthest right; the first recorded among mentions that start together)."""
    for form in _person_forms(actor, gazetteer):
        surname = form.split()[-1]
        if surname not in latest or key[:2] > latest[surname][:2]:
            latest[surname] = key


def _mentioned_surname(name: str, latest: dict[str, tuple[int, int, str]]) -> str | None:
    """'Mr. Sullivan' after 'Jake Sullivan': the person of this article with that surname, the latest
    one named (a surname the gazetteer shares between two people is settled by the article)."""
    if " " in name:
        return None
    hit = latest.get(name)
    return hit[2] if hit else None


def _discover_person(name: str, discovered: dict[str, Actor], gazetteer: Gazetteer) -> Actor:
    """Create (or fetch) a discovered person actor."""
    actor_id = slugify(name)
    if actor_id in gazetteer.actors:
        return gazetteer.actors[actor_id]
    return discovered.setdefault(actor_id, Actor(actor_id, name, "person", None, True))


def _discovery_candidates(text: str, gazetteer: Gazetteer) -> list[_Candidate]:
    """Unknown person names introduced by a host title, an appositive, a role noun or a speech cue, with
    the role a host title or an appositive gives (hosts first: a cue would take the name without it)."""
    found: list[_Candidate] = []
    vocabulary = gazetteer.vocabulary
    not_name = vocabulary.not_name
    for pattern in (vocabulary.host_re, *gazetteer.discovery_res):
        for match in pattern.finditer(text):
            start, end = match.span("name")
            words = match.group("name").split()
            # drop leading words that cannot be names ("Analyst Marta Kowalczyk", "But Ivan Petrov")
            while words and words[0].rstrip(".") in not_name:
                start = text.index(words[1], start + len(words[0])) if len(words) > 1 else end
                words = words[1:]
            real = [w for w in words if not _INITIAL_RE.fullmatch(w)]
            if len(real) < 2 or any(w in not_name for w in real):
                continue
            noun = match.groupdict().get("role")
            role = vocabulary.apposition_roles.get(noun.lower()) if noun else None
            lead = match.start("role") if pattern is vocabulary.host_re else None
            found.append(_Candidate(start, end, _normalize_form(" ".join(words)), lead, role))
    return found


def _trim_org(match: re.Match, vocabulary: Vocabulary) -> tuple[int, int, str | None]:
    """Strip leading non-name words from an organization candidate; None when it is generic."""
    start, end = match.span("org")
    words = match.group("org").split()
    while words and words[0] in ("The", "In", "On", "At", "But", "And", "For", "From", "By", "As", "A", "An"):
        start = match.string.index(words[1], start + len(words[0])) if len(words) > 1 else end
        words = words[1:]
    if len(words) < 2:
        return start, end, None
    distinctive = [w for w in words if w not in vocabulary.generic_org_words and w[0].isupper()]
    if not distinctive:
        return start, end, None
    return start, end, " ".join(words)


def _in_source_role(text: str, start: int, end: int, gazetteer: Gazetteer) -> bool:
    """Whether an anonymous phrase is a source: it speaks, is quoted, or is "according to"."""
    if gazetteer.source_before_re.search(text, max(0, start - 40), start):
        return True
    return bool(gazetteer.source_after_re.match(text, end, end + 160))


def _affiliation_phrase_end(text: str, end: int, gazetteer: Gazetteer) -> int:
    """End of a phrase tying an anonymous source to an actor ("officials in Kyiv", "analysts at the RAND
    Corporation", "a spokesman for the Polish chairmanship"), or end when none follows."""
    lead = _AFFILIATION_LEAD_RE.match(text, end, end + 30)
    if lead is None:
        return end
    form = gazetteer.form_re.match(text, lead.end())
    if form is not None and gazetteer.forms.get(_normalize_form(form.group())):
        return form.end()
    demonym = _DEMONYM_PHRASE_RE.match(text, lead.end())
    if demonym is not None and demonym.group(1).lower() in DEMONYMS:
        return demonym.end()
    return end


def _anonymous_actor(text: str, match: re.Match, end: int, gazetteer: Gazetteer, spans: list[_Span],
                     actors: dict[str, Actor]) -> Actor:
    """The anonymous actor for a source description, with its affiliation when the text gives one."""
    desc = match.group("desc")
    words = [gazetteer.vocabulary.anon_singular.get(w, w) for w in re.sub(r"\s+", " ", desc.lower()).split()]
    name = " ".join(words)
    inner = [actors[s.actor_id] for s in spans
             if match.start() <= s.start and s.end <= match.end() and actors[s.actor_id].actor_type != "person"]
    affiliation = next((a.actor_id for a in inner if a.actor_type != "country"), None)
    affiliation = affiliation or next((a.actor_id for a in inner if a.actor_type == "country"), None)
    if affiliation is None:
        code = next((DEMONYMS[w] for w in words if w in DEMONYMS), None)
        if code is None and "administration" in words:
            code = "US"  # "a senior administration official": the American administration
        affiliation = gazetteer.country_ids.get(code or "")
    if end > match.end():  # "analysts at the RAND Corporation": the phrase after the description
        phrase = text[match.end():end]
        form = gazetteer.form_re.search(phrase)
        hit = gazetteer.forms.get(_normalize_form(form.group())) if form else None
        if hit:
            affiliation = hit[0]
        else:
            code = next((DEMONYMS[w.lower()] for w in phrase.split() if w.lower() in DEMONYMS), None)
            affiliation = gazetteer.country_ids.get(code or "", affiliation)
        actor_id = f"anonymous-{slugify(name)}" + (f"-{affiliation}" if affiliation else "")
    else:
        actor_id = f"anonymous-{slugify(name)}"
    return Actor(actor_id, f"anonymous {name}", "anonymous", None, True, affiliation)


class _RoleResolver:
    """Role descriptions resolved to the holder of the office on the publication date."""

    def __init__(self, text: str, gazetteer: Gazetteer, published: date, spans: list[_Span],
                 actors: dict[str, Actor], title_roles: list[tuple[int, str, str]], add, taken):
        """Share the article's mentions so far and the callbacks that record new ones."""
        self.text = text
        self.gazetteer = gazetteer
        self.published = published
        self.spans = spans
        self.actors = actors
        self.title_roles = title_roles
        self.add = add
        self.taken = taken
        # nationality words, found once: each description counts those before it
        self.demonyms = [(m.end(), DEMONYMS.get(m.group().lower())) for m in _DEMONYM_WORD_RE.finditer(text)]
        self.demonym_ends = [end for end, _ in self.demonyms]
        # the people named so far, indexed for _is_appositive (roles resolved below add people too)
        self.person_starts: set[int] = set()
        self.person_ends: set[int] = set()
        self.person_spans: list[tuple[int, int]] = []  # sorted by start
        self.longest_person = 0
        for span in spans:
            self._note_person(span.start, span.end, actors[span.actor_id])

    def run(self) -> None:
        """Resolve every role description, in text order."""
        for match in _ROLE_RE.finditer(self.text):
            if self._is_appositive(match):
                continue
            actor_id = self._resolve(match)
            if actor_id is None:
                continue
            end = match.end()
            if match.group("post") and not (match.group("prep") == "of" or "ambassador" in match.group("term")
                                            or "envoy" in match.group("term")):
                end = match.end("term")  # "Russia's top diplomat in Geneva": the place is not part of it
            actor = self._actor(actor_id)
            self.add(match.start(), end, actor, occupy=False)
            self._note_person(match.start(), end, actor)

    def _actor(self, actor_id: str) -> Actor:
        """An actor by id: one of this article (a person known only through "President X") or the
        gazetteer's (an office holder from seeds/roles.csv not named yet)."""
        return self.actors.get(actor_id) or self.gazetteer.actors[actor_id]

    def _note_person(self, start: int, end: int, actor: Actor) -> None:
        """Index a mention when it names a person."""
        if actor.actor_type == "person":
            self.person_starts.add(start)
            self.person_ends.add(end)
            bisect.insort(self.person_spans, (start, end))
            self.longest_person = max(self.longest_person, end - start)

    def _is_appositive(self, match: re.Match) -> bool:
        """Whether the description sits next to a name it describes ("Ned Price, the State Department
        spokesman", "Ukraine's foreign minister, Dmytro Kuleba", "the foreign minister Sergey Lavrov")."""
        start = match.start()
        before = re.search(r",\s*$", self.text[max(0, start - 3):start])
        after = re.match(r",?\s+", self.text[match.end():match.end() + 3])
        if before:  # a person ending at the comma: "Ned Price, the State Department spokesman"
            comma = start
            while self.text[comma - 1].isspace():
                comma -= 1
            if comma - 1 in self.person_ends:
                return True
        if after and match.end() + after.end() in self.person_starts:
            return True
        # inside a name's span ("Foreign Minister Lavrov" taken by the title pass)
        first = bisect.bisect_left(self.person_spans, (start - self.longest_person, -1))
        last = bisect.bisect_right(self.person_spans, (start, len(self.text) + 1))
        return any(start < end for _, end in self.person_spans[first:last])

    def _resolve(self, match: re.Match) -> str | None:
        """The actor a role description refers to, or None when the text does not settle it."""
        term = re.sub(r"\s+", " ", match.group("term").lower())
        lead = (match.group("lead") or "").strip().lower()
        modifier = match.group("mod") or match.group("mod2") or ""
        if term in ("counterpart", "predecessor", "successor"):
            if lead not in ("his", "her"):
                return None
            possessor = self._possessor(match.start())
            if possessor is None:
                return None
            if term == "predecessor":
                return _roles.predecessor(self.gazetteer.roles, possessor, self.published)
            country = self._demonym(match.group("qual"))
            if term == "counterpart" and country:
                return _roles.counterpart(self.gazetteer.roles, possessor, country, self.published)
            return None
        if lead in ("his", "her", "their"):
            return None  # "his spokesman": an office of someone else's, not resolved here
        title = _roles.ROLE_TERMS[term]
        of: set[str] = set()
        to: set[str] = set()
        qualifiers = [match.group("qual").strip(), (match.group("poss") or "").strip()]
        for words in qualifiers:
            if words:
                found = self._qualifier(words)
                if found is None:
                    return None  # "the Normandy envoy": a qualifier we cannot place
                of |= found
        if match.group("post") and (title == "ambassador" or match.group("prep") == "of"):
            found = self._qualifier(match.group("post"))
            if found is None and match.group("prep") == "of":
                return None
            (to if title == "ambassador" and match.group("prep") != "of" else of).update(found or ())
        query = RoleQuery(title, frozenset(of), frozenset(to), former=modifier == "former")
        if of or to:
            answer = self._holders(query)
            organizations = {o for o in of if o in self.gazetteer.actors}
            if not answer and organizations:  # "the Kremlin leader": the Kremlin's country
                countries = {self.actors_country(o) for o in organizations} - {None}
                if countries:
                    answer = self._holders(RoleQuery(title, frozenset(countries), query.to, query.former))
            return answer[0] if len(answer) == 1 else self._mentioned(answer, match.start())
        return self._from_context(query, match)

    def actors_country(self, key: str) -> str | None:
        """The country code of an organization id (a country code stays as it is)."""
        actor = self.gazetteer.actors.get(key)
        return actor.country if actor is not None else None

    def _holders(self, query: RoleQuery) -> list[str]:
        """Distinct holders answering a query on the publication date."""
        return sorted({r.actor_id for r in _roles.holders(self.gazetteer.roles, query, self.published)})

    def _mentioned(self, candidates: list[str], position: int) -> str | None:
        """Among several holders, the one mentioned last before position."""
        for span in sorted(self.spans, key=lambda s: s.end, reverse=True):
            if span.end <= position and span.actor_id in candidates:
                return span.actor_id
        return None

    def _from_context(self, query: RoleQuery, match: re.Match) -> str | None:
        """'the foreign minister': a holder mentioned before, else the holder in the country the
        article is about so far, else the only holder of that title."""
        excluded = self._coordinated(match)
        holders = set(self._holders(query))
        titled = {actor_id for offset, role, actor_id in self.title_roles
                  if offset < match.start() and _roles.ROLE_TERMS.get(role) == query.title}
        for span in sorted(self.spans, key=lambda s: s.end, reverse=True):
            if span.end <= match.start() and span.actor_id not in excluded and span.actor_id in holders | titled:
                return span.actor_id
        counts: dict[str, list[int]] = {}

        def vote(country: str | None, offset: int) -> None:
            """One mention of a country so far (the latest offset breaks ties)."""
            if country:
                tally = counts.setdefault(country, [0, 0])
                tally[0] += 1
                tally[1] = max(tally[1], offset)

        for span in self.spans:
            if span.end <= match.start() and span.actor_id not in excluded:
                actor = self.actors[span.actor_id]
                vote(actor.country or self.actors_country(actor.affiliation or ""), span.end)
        for end, country in self.demonyms[:bisect.bisect_right(self.demonym_ends, match.start())]:
            vote(country, end)  # "American officials"
        for country, _ in sorted(counts.items(), key=lambda c: (c[1][0], c[1][1]), reverse=True)[:1]:
            local = [h for h in holders if self._country_of_holder(h, query) == country and h not in excluded]
            if len(local) == 1:
                return local[0]
        exact = [r.actor_id for r in self.gazetteer.roles if r.title == query.title and r.held_on(self.published)]
        if len(set(exact)) == 1 and exact[0] not in excluded:
            return exact[0]
        return None

    def _country_of_holder(self, actor_id: str, query: RoleQuery) -> str | None:
        """The country whose office a holder holds (an organization's country for its offices)."""
        for role in _roles.holders(self.gazetteer.roles, query, self.published):
            if role.actor_id == actor_id:
                return role.of if len(role.of) == 2 and role.of.isupper() else self.actors_country(role.of)
        return None

    def _coordinated(self, match: re.Match) -> set[str]:
        """Actors joined to the description by 'and' ("the president and Mr. Putin"): not it."""
        out = set()
        after = re.match(r"\s+and\s+", self.text[match.end():match.end() + 6])
        before = re.search(r"\s+and\s+$", self.text[max(0, match.start() - 6):match.start()])
        for span in self.spans:
            if after and span.start == match.end() + after.end():
                out.add(span.actor_id)
            if before and re.fullmatch(r"\s+and\s+", self.text[span.end:match.start()]):
                out.add(span.actor_id)
        return out

    def _possessor(self, position: int) -> str | None:
        """The person 'his'/'her' refers to: the last person mentioned before, in the same paragraph."""
        floor = self.text.rfind("\n", 0, position) + 1
        for span in sorted(self.spans, key=lambda s: s.end, reverse=True):
            if floor <= span.start and span.end <= position and self.actors[span.actor_id].actor_type == "person":
                return span.actor_id
        return None

    def _demonym(self, words: str | None) -> str | None:
        """The country code of a nationality word ("American")."""
        return DEMONYMS.get((words or "").strip().lower())

    def _qualifier(self, words: str) -> set[str] | None:
        """Country codes or organization ids a qualifier names ("Russian", "Russia", "Moscow",
        "the Kremlin", "NATO", "the alliance"), or None when it names none."""
        words = re.sub(r"\s+", " ", words).strip()
        bare = re.sub(r"^[Tt]he ", "", words)
        if bare.lower() in DEMONYMS:
            return {DEMONYMS[bare.lower()]}
        for candidate in (words, bare):
            hit = self.gazetteer.forms.get(_normalize_form(candidate))
            if hit:
                actor = self.gazetteer.actors[hit[0]]
                if actor.actor_type == "country":
                    return {actor.country} if actor.country else None
                return {actor.actor_id}
        noun = self.gazetteer.vocabulary.group_noun_kinds.get(bare.lower(), bare.lower())
        for span in sorted(self.spans, key=lambda s: s.end, reverse=True):  # "the alliance's"
            if noun in self.gazetteer.kinds.get(span.actor_id, frozenset()):
                return {span.actor_id}
        return None


def _title_case_headline_end(text: str) -> int:
    """End offset of the first line when it is a title-case headline, else 0."""
    first = text.split("\n", 1)[0]
    words = [w for w in re.findall(r"[A-Za-z][\w'’\-]*", first) if len(w) > 3]
    if len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) >= 0.8:
        return len(first)
    return 0
