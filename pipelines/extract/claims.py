"""Claims: attributed statements, as direct quotes or reported speech.

Passes over an article whose actors are already found:

1. a title-case headline "Blinken Says Talks Can Only Progress ...";
2. direct quotes (“…” or "…") that open their sentence and carry an attribution after them
   (“…,” Mr. Putin said / “…,” said a senior official / “…,” the Polish president, Andrzej Duda,
   told reporters) or before them (Mr. Biden said: “…”); a quote split by its attribution (“…,” he
   said of the letter. “…”) is one claim, its parts joined;
3. "according to X": the rest of the sentence is X's claim; when that rest is itself attributed
   ("Mr. Peskov said …, according to Tass") X becomes the intermediary; "Tass quoted X (, an
   appositive,) as saying …" likewise; "X called the attack “…”";
4. parenthetical attributions ("Moscow, he said, had declined"), participles ("…, X said, adding
   that …") and reported speech around every other cue verb: "X [, appositive, who …,] [has] warned
   [Y] [that] …", "X told Y to …", "X asked whether …", "…, X said." and "…, said X."; when the
   reported content opens with its own attribution ("Ushakov told reporters that Mr. Putin had
   warned that …") the inner speaker is the speaker and the outer one the intermediary ("via");
5. a verb the cue list lacks right before "that" and a clause, after a named or pronoun subject
   ("the court ruled that …"); a quote after a colon ("X released the following statement:" and the
   next paragraph's quote) is the introducing cue's subject, else the sentence's;
6. a full-sentence quote nobody is named for continues the speaker of the claim just before it.

Speakers are actor mentions (names, roles, anonymous sources), unnamed nominals ("the Ohio governor
said", "the bank said": a definite person noun resolves to the named person who spoke last in the
previous three sentences, else the first person named in each of them, nearest first, whose country
agrees with a demonym in the nominal: "the Russian minister"), pronouns ("he", "she", "they": the
speaker of the latest attribution, else the previous sentence's first person, else the last one
mentioned, honouring Mr./Ms.), offices ("his office said": its holder) and documents ("the statement
said": who issued the last claim), relative "who" (the name before its comma), and, with no actor id,
names the gazetteer lacks ("Revesz said") and short noun phrases around the cue ("tech executives
say", "said one longtime adviser"; never in a headline). Quotes may be curly, straight or doubled
apostrophes (''…''); "“…” ― Name" signs one. Targets are the cue's object or a demanded clause's subject; the
claim type is the cue's, refined by the content for neutral cues. A claim's offsets are those of its
content; quotes inside reported content make it a partial quote (is_direct_quote false) unless the
whole content is the quote.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass

from pipelines.extract.actors import ActorFindings, CueVerb, Gazetteer
from pipelines.extract.roles import DEMONYMS
from pipelines.extract.text import Sentence, SentenceIndex

# Bump when the claim finding rules change: the extract stage re-reads what this extractor wrote.
RULES_VERSION = "6"


@dataclass(frozen=True)
class Claim:
    """An attributed statement: who, through whom, with which cue, saying what."""

    speaker_actor_id: str | None
    speaker_surface: str | None
    via_actor_id: str | None
    via_surface: str | None
    cue_verb: str
    claim_type: str
    claim_text: str
    is_direct_quote: bool
    start_char: int
    end_char: int
    sentence: str
    target_actor_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Speaker:
    """A possible speaker: a mention, a pronoun, an office ("his office") or a document ("the
    statement"); pronouns and documents are resolved when a claim is stored."""

    start: int
    end: int
    actor_id: str | None
    surface: str
    kind: str = "mention"  # mention | pronoun | office | document | nominal | relative | name | bare


@dataclass(frozen=True)
class _Quote:
    """A quoted span, marks included."""

    open: int  # offset of the opening mark
    close: int  # offset just after the closing mark
    width: int = 1  # characters of each mark: 2 for the ''…'' of some wires' archives

    @property
    def inner(self) -> tuple[int, int]:
        """Offsets of the quoted text without its marks."""
        return self.open + self.width, self.close - self.width


# Curly, straight and doubled-apostrophe ('' … '' or `` … '') quotes, which New York Times archives use.
_QUOTE_RE = re.compile(r"“[^“”\n]*”|\"[^\"\n]*\"|(?:''|``)(?:(?!'')[^\n\"“”])*''")
_PRONOUN_RE = re.compile(r"\b(?:he|she|they|He|She|They|it|It|we|We|I|you|You)\b(?![’'-])")
# First persons and "you" are speakers of their own (op-eds, letters, interviews), never resolved.
_UNRESOLVED_PRONOUNS = frozenset({"i", "we", "you"})
_ANONYMITY_RE = re.compile(
    r"\s+(?:(?:not|that\s+\w+\s+not)\s+)?(?:to\s+)?(?:be\s+)?(?:named|identified|quoted\s+by\s+name)\b"
    r"|\s+(?:for\s+)?anonymity\b")
_RELATIVE_RE = re.compile(r"(?<=,\s)who\b")
_OFFICE_RE = re.compile(r"\b(?:[Hh]is|[Hh]er)\s+(?:press\s+)?(?:office|spokesman|spokeswoman|spokesperson|aides?)\b")
_DOCUMENT_RE = re.compile(
    r"\b[Tt]he\s+(?:joint\s+)?(?:statement|readout|transcript|communiqu[eé]|summary|release|letter)\b")
# Nominal speakers nobody names: "the Ohio governor said", "the bank said", "a new survey found". A
# person head with a definite article resolves to the nearest named speaker; the rest stay unnamed.
_PERSON_HEADS = (
    "governor|senator|president|minister|secretary|spokesman|spokeswoman|spokesperson|aides?|advis[eo]rs?|"
    "officials?|chairman|chairwoman|director|experts?|analysts?|economists?|lawmakers?|congressman|"
    "congresswoman|candidate|nominee|businessman|businesswoman|mayor|judge|professor|researchers?|"
    "strategists?|pollsters?|leaders?|executives?|founder|lawyers?|attorneys?|ambassador|diplomats?|"
    "commissioner|clerk|manager|host|anchor|voters?|residents?|owners?|activists?|veterans?|candidates")
_OTHER_HEADS = (
    "campaign|company|bank|firm|group|agency|department|committee|court|administration|government|"
    "report|survey|poll|study|analysis|ad|clip|video|memo|lawsuit|filing|complaint|website|newspaper|"
    "network|organization|foundation|institute|university|union|council")
_NOMINAL_RE = re.compile(
    rf"\b(?P<det>[Tt]he|[Aa]n?|[Tt]his|[Tt]hat)\s+(?:(?:[A-Z][\w.&'’-]*|[a-z][a-z-]+)\s+){{0,3}}?"
    rf"(?P<head>{_PERSON_HEADS}|{_OTHER_HEADS})\b(?![-’'])")
_PERSON_HEAD_RE = re.compile(rf"(?:{_PERSON_HEADS})")
# What may come before a sentence's subject: "The", or an opening phrase closed by a comma.
_SUBJECT_LEAD_RE = re.compile(r"\s*(?:[A-Z][^,“”\"]{0,40},\s*)?(?:[Tt]he\s+)?")
# Names the gazetteer lacks ("Revesz said", "said Sen. Marta Quillfeather (D-Ore.)") and capitalized
# plural subjects ("Critics say"): a run of capitalized words, an optional title before it and a party
# label after it. A hyphen glued to either end makes it a modifier ("Kremlin-backed"), not a name.
_TITLE_ABBREVIATIONS = r"(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Prof|Rev|Del|Amb|Sec|Atty|Supt)\."
_NAME_WORD = r"[A-Z][\w’']*(?:\.(?=[ \xa0][A-Z]))?(?:-[A-Z][\w’']*)*"
_NAME_RE = re.compile(
    rf"(?<![\w’'-])(?:{_TITLE_ABBREVIATIONS}[ \xa0]+)?{_NAME_WORD}"
    rf"(?:[ \xa0]+(?:{_NAME_WORD}|[A-Z]\.|(?:de|da|van|von|del|der|al|bin|la|le|{_PERSON_HEADS}|co-[a-z]+)"
    r"(?=[ \xa0][A-Z])))*"
    r"(?![\w’'-])"
    r"(?:[ \xa0]+\([A-Z][\w.]*-[A-Z][\w. ]{0,20}\))?")
_ROLE_WORD_RE = re.compile(rf"\s+(?:{_PERSON_HEADS}|co-[a-z]+)\s+(?=[A-Z])")
# After the cue: a determiner and up to ten words, to the clause's end or a relative pronoun.
_BARE_OBJECT_RE = re.compile(
    r"(?:one|a|an|another|two|three|several|some|many|most|the|his|her|their|its)\s+[\w’'$%-]+(?:\s+[\w’'$%-]+(?:\.\w+)*){0,9}?"
    r"(?=\s+(?:who|which|whose|speaking|asking|adding|citing)\b|\s*[,;.:!?—(]|\s*$)")
_SOURCE_PHRASE_RE = re.compile(r"\s+(?P<np>[\w’'$%(][^,;:“”\"—]{0,100}?)(?=\s*(?:[,;:—]|[.!?]?\s*$))")
# A noun phrase subject nobody names: up to eight words, after an optional conjunction or adverb.
_BARE_SUBJECT_RE = re.compile(
    r"\s*(?:(?:and|but|so|yet|or|And|But|So|Yet|Or|Meanwhile|Now|Still|Instead|Also)\s+)?"
    r"(?P<np>[\w$%][\w’'$%.-]*(?:\s+[\w’'$%.-]+){0,7}?)\s*(?:\b(?:also|now|then|still|often|always|have|has|had|"
    r"previously|recently|repeatedly|already|[a-z]+ly)\s+)*")
_DETERMINERS = frozenset(
    "the a an one some many most several few other another all both each no two three four five his her their "
    "its our my your this that these those any more less half nearly almost about".split())
# Words that make a stretch a clause or a modifier rather than a subject noun phrase.
_NOT_IN_SUBJECT = frozenset(
    "is are was were be been being will would can could should may might must do does did not that which who "
    "whom whose when while if because as to what how why where he she they it we i you him them us me "
    "said says say told asked than has have had".split())
# Words that open an adverbial phrase or a clause, never a subject ("After the vote, …").
_NOT_A_SUBJECT_START = frozenset(
    "after before since on in at by for from with without of to if when while as because though although until "
    "unless during amid despite like unlike".split())
_PARTICIPLE_WORD_RE = re.compile(r"[a-z]+ing")
# Content that is, or soon turns into, a quote of four words or more: 'said the ferry “had never been
# safer”', 'says “the whole pier is rotten”'.
_QUOTED_CLAUSE_RE = re.compile(r"(?:[\w’'-]+\s+){0,5}?(?:“[^“”]*?|\"[^\"]*?)(?:\w+\W+){3}\w")
# An aside between dashes right before a cue: the subject stands before it.
_DASH_ASIDE_RE = re.compile(r"\s*(?:—|–|--)[^—–;“”\"]{1,160}?(?:—|–|--)\s*$")
_PLACE_HEAD_RE = re.compile(r"\s(?:Street|Avenue|Square|House|Hall|Palace|Building|Tower|Road|Plaza)$")
_PREPOSITION_BEFORE_RE = re.compile(
    r"\b(?:in|at|of|from|(?<![Aa]ccording\s)to|for|with|by|on|about|against|like|than|into|over|under|near|across|toward|"
    r"towards|outside|inside|between|among|via|per)\s+(?:[A-Z][\w’'-]*,?\s+(?:and|or)\s+)?$")
# A demonym before a noun modifies it ("Russian demands", "Ukrainian officials"); it speaks for nobody.
_DEMONYM_RE = re.compile(r"[A-Z][a-z]+(?:ian|ean|ese|ish)(?=\s+[a-z])")
# Capitalized words that open a sentence or a clause without being anyone.
_NOT_A_NAME = frozenset(
    "the a an and but or so yet if when while as after before since though although because this that these "
    "those there here then now still also instead meanwhile however in on at by for from with without of to "
    "it its he she they we i you his her their our my your who what which where why how not no yes "
    "today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday last next earlier later "
    "asked speaking writing according said says told added".split())
# Time and channel phrases that may sit between a speaker, its cue and the content. The
# alternatives are tried in order inside atomic groups, so longer phrases come first.
_ADVERBIAL = (
    r"(?:(?:late|early)\s+(?:on\s+)?)?(?:on|this|last)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|morning|afternoon|evening|night|week|weekend)(?:\s+(?:morning|afternoon|evening|night))?"
    r"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?![’'])(?:\s+(?:morning|afternoon|evening|night))?"
    r"|on\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}"
    r"|(?:earlier|later)\s+(?:in\s+the\s+day|that\s+day|on\s+\w+day|this\s+week|in\s+the\s+week)"
    r"|(?:in|at|during|after|following|before|on|via|through|over)\s+(?:a|an|the|his|her|their|its)\s+"
    r"(?:[\w\-]+\s+){0,2}(?:statement|interview|briefing|conference|call|speech|address|post|"
    r"posting|tweet|meeting|session|talks|appearance|readout|remarks|summary|message|video|"
    r"broadcast|program|programme|show)"
    r"(?:\s+(?:with|in|on|to|after|from|for)\s+(?:[\w.’'\-]+\s+){0,4}?[\w.’'\-]+(?=\s+that\b|,|$))?"
    r"|on\s+(?:Twitter|Facebook|Telegram|Instagram|state\s+television|television|Russian\s+television|"
    r"the\s+sidelines(?:\s+of\s+[^,]+)?)"
    r"|(?:once\s+more|in\s+turn|yesterday|today|tonight|earlier|later|again|also|then|afterwards?|too|now|"
    r"once|repeatedly|publicly|privately|bluntly|flatly|separately|[a-z]+ly)"
)
_LISTENER = (
    r"reporters|journalists|the\s+press|lawmakers|parliament|Congress|senators|"
    r"(?:a|the)\s+(?:[\w\-]+\s+)?(?:news\s+conference|press\s+conference|conference|briefing|meeting|"
    r"gathering|audience|forum|summit|panel|committee|crowd|rally|hearing|radio\s+audience)|(?:state\s+)?television|him|her|them|us|me|"
    r"(?:his|her|their|its)\s+(?:[\w\-]+\s+)?(?:counterpart|counterparts|allies|audience|colleagues|"
    r"hosts|guests|supporters|compatriots)"
)
_MASK = "\x00"
_SPACES_RE = re.compile(r"\s+")
_THE_RE = re.compile(r"[Tt]he\s+")
# Small patterns the attribution helpers use per cue, compiled once.
_COMMA_RE = re.compile(r"\s*,\s*")
_COMMA_END_RE = re.compile(r",\s*$")
_OF_END_RE = re.compile(r"\bof\s+(?:the\s+)?$")
_OF_RE = re.compile(r"\s+of\s+(?:the\s+)?")
_THAT_LEAD_RE = re.compile(r"(?:\s|that\b)*")
_THAT_RE = re.compile(r"\bthat\b")
_WORD_RE = re.compile(r"\S+")
# "said after nearly eight hours of talks with … in Geneva on Monday that …"
_PREPOSITIONAL_GAP_RE = re.compile(
    r"^\s*(?:after|before|during|following|in|at|on|with|from|over|by|to|amid|ahead\s+of)\b"
    r"(?:(?!\b(?:will|would|is|are|was|were|has|have|had|and)\b)[^;:.“”\"]){0,120}$"
)
_OBJECT_GAP_RE = re.compile(r"^(?:(?!\band\b)[^,;:.“”\"]){0,90}$|^\s*\x00+(?:\s*,[^,;“”\"]{1,90},)?\s*$")
# Repeated pieces are atomic and possessive: their alternatives overlap ("reportedly" is also
# [a-z]+ly), and plain backtracking over them is exponential on a failing gap.
_GAP_RE = re.compile(rf"^(?>\s|,|(?:the\s+)?{_MASK}|(?:{_LISTENER})(?![\w])|(?:{_ADVERBIAL})(?![\w]))*+$")
_TAIL_RE = re.compile(
    rf"(?>\s|(?:{_LISTENER})(?![\w])|(?:{_ADVERBIAL})(?![\w]))*+"
    r"(?:,\s*(?:a|an|the|who|whose|which|his|her|its|speaking|adding|citing|in|at|and|but|while|as|"
    r"although|though)\b.*|(?<=\s)(?:who|whose|which)\b.*)?",
    re.DOTALL,
)
_COORDINATION_BEFORE_RE = re.compile(
    r"(?:,\s*)?\s+and\s+(?:(?:also|then|later|[a-z]+ly|afterward|afterwards|he|she|it|they)\s+)?$")
_AUXILIARY_START_RE = re.compile(
    r"(?:had|has|have|was|were|is|are|would|will|could|can|should|might|may|must|did|does|do)\b")
_NEGATION_RE = re.compile(r"\b(?:not|never|no\s+longer)\b|n['’]t\b")
_INTRODUCER_RE = re.compile(r"\b(?:that|of|against|to)\s*$")
_CONJUNCTION_RE = re.compile(r"(?:,\s*|;\s*|\s+)(?:and|but|while|whereas|though|although)\s+")
_POSSESSIVE_AFTER_RE = re.compile(r"['’]s\b")
_COORDINATED_RE = re.compile(r"\band\s+(?:(?:also|then|later|[a-z]+ly|afterward|afterwards)\s+)?$")
# Between a sentence's subject and its cue: appositives and relative or participial clauses, each
# closed by a comma ("Michael Carpenter, the ambassador to the OSCE, who spoke after …, said").
_APPOSITIVE_PIECE = (
    r"(?:(?:a|an|the|who|which|whose|his|her|its|their|speaking|standing|writing|asked|after|"
    r"before|in|at|on|during)\b|\x00|\d{1,3}\b|[RDI]-[A-Z])[^,;“”\"]{0,200}")
# "Mayor Dana Quill of Alder, a Democrat, said": a place or body after the name belongs to it.
_OF_PLACE = r"(?:\s+(?:of|from)\s+(?:the\s+)?[A-Z][\w.’'-]*(?:\s+(?:[A-Z][\w.’'-]*|of|and))*?(?:\s+[A-Z][\w.’'-]*)?)?"
_APPOSITIVE_CHAIN_RE = re.compile(
    rf"{_OF_PLACE}\s*,\s*{_APPOSITIVE_PIECE}(?:\s*,\s*(?:{_APPOSITIVE_PIECE}|[^,;“”\"]{{1,60}})){{0,2}},\s*"
    r"(?>(?:[a-z]+ly|also|then|later|again|on\s+\w+day)\s+)*+"
)
_FOLLOW_GAP_RE = re.compile(
    rf"(?>\s|[,.;:]|(?:{_LISTENER})(?![\w])|(?:{_ADVERBIAL})(?![\w])"
    r"|(?:of|about)\s+(?:the|a|an|his|her|their|its|this|that)\s+[^.,;“”\"]{1,60})*+")
_SKIP_PIECE_RE = re.compile(rf"(?:\s+|,|(?:{_ADVERBIAL})(?![\w]))")
_SKIP_OBJECT_RE = re.compile(
    rf"(?:\s+|,|(?:the\s+)?{_MASK}+(?:['’]s\s+\w+)?|(?:{_LISTENER})(?![\w])|(?:{_ADVERBIAL})(?![\w]))")
_BETWEEN_RE = re.compile(
    rf"^{_OF_PLACE}(?:\s+\([A-Z][\w.]*-[A-Z][\w. ]{{0,20}}\))?(?:\s*,\s*[^,;“”\"]{{1,160}}?,)?\s*"
    rf"(?>(?:{_ADVERBIAL}|has|have|had|previously|reportedly|would|will|did|does|do|not|never|already|"
    r"still|recently|himself|herself|itself|themselves|"
    r"(?:in|at|from)\s+[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)\b\s*)*+$"
)
# Cues that attribute only a quote beside them ("she continued, “…”"): elsewhere they are no speech.
_QUOTE_ONLY_CUES = frozenset({"continue", "shout", "chant", "exclaim", "quip", "joke"})
# Cues whose object is a listener or target rather than the content: "told reporters", "warned Putin".
_OBJECT_CUES = frozenset({"tell", "warn", "assure", "urge", "accuse", "ask", "caution", "remind", "threaten"})
# Cues that take a noun phrase as content: "rejected the proposal", "vowed to respond".
_NP_CUES = frozenset({"deny", "reject", "dismiss", "demand", "threaten", "vow", "pledge", "promise",
                      "warn", "urge", "call for", "accuse", "caution", "assure", "describe", "stress",
                      "want", "plan", "hope", "intend", "seek", "criticize", "praise", "endorse", "support",
                      "oppose", "defend", "propose", "question", "mention", "express",
                      "seem", "blame", "blast", "slam", "denounce", "decry", "mock", "point to", "refer to"})
# A clause without "that" whose verb is in the present: "Critics say the plan leaves schools behind".
_PRESENT_CLAUSE_RE = re.compile(r"^\S+(?:\s+\S+){0,3}?\s+[a-z]{2,}[^s\W]s\b|^\S+?(?:['’](?:s|re|ve|ll|d)|n['’]t)\b")
# Cues whose object may be followed by what it is asked to do: "told Ukrainians to stay calm".
_TO_CUES = frozenset({"tell", "ask", "urge", "press", "call on", "warn", "caution"})
_TO_OBJECT_RE = re.compile(r"\s*(?!that\b)[^,;:.“”\"]{1,70}?\s+(?P<to>to)\s+(?:not\s+)?[a-z]+")
# After a coordinated cue, a content of its own ("… and warned other countries that …"); without one
# ("troops were moving … and threatened nobody") the cue belongs to the content before it.
_OWN_CONTENT_RE = re.compile(r"[^.;]{0,80}?(?:\bthat\b|\bto\s+[a-z]|[“\":])")
# A past or present verb the cue list lacks, right before "that": "ruled that", "learned that".
_VERB_THAT_RE = re.compile(r"(?<![\w’'-])(?P<verb>[a-z]{3,}(?:ed|es|s))(?:\s+(?:also|[a-z]+ly))?\s+that\s+(?=[\w“\"])")
_NOT_VERB_THAT = frozenset(
    "was has does goes comes gets makes takes happened happens occurred meant means needed needs required "
    "requires ensured ensures mattered matters this thus unless less plus yes its his hers ours yours theirs "
    "times days weeks years months hours minutes seconds ones others things ways reasons cases "
    "voters officials members leaders people states groups points ideas views areas parts laws bills "
    "caused causes proved proves helped helps".split())
# A colon, then only spaces or a paragraph break, before a quote.
_COLON_BEFORE_RE = re.compile(r":[ \t\xa0]*(?:\n\s*)?$")
# How many sentences back a nominal speaker ("the minister said") looks for the person it names.
_NOMINAL_REACH = 3
# Beliefs and wishes inside reported speech: both the speech and the belief are claims.
_BELIEF_CUES = frozenset({"feel", "think", "know", "believe", "hope", "fear", "worry", "expect", "want"})
# Cues that take an object worth recording as the claim's target.
_TARGET_CUES = frozenset({"warn", "tell", "urge", "ask", "press", "call on", "promise", "assure", "accuse",
                          "threaten", "caution", "remind", "demand", "call for"})
_OBJECT_PRONOUN_RE = re.compile(r"\b(?:him|her|them)\b")
_PRONOUN_ASIDE_RE = re.compile(r",\s*(?:a|an|the|which|what)\b[^,;“”\"]{0,40}?\b(?:they|he|she)\s+$")
_NEGATED_CUE_RE = re.compile(r"\b(?:not|never|n['’]t|declined\s+to|refused\s+to)\s+$")
_CALLED_RE = re.compile(
    r"\b(?P<verb>called|calls|calling)\s+(?!for\b|off\b|on\b|up\b|in\b|back\b|it\s+off\b)"
    r"(?P<np>[^“”\".,;:]{1,80}?)\s*(?P<quote>[“\"])")
# After "X, he said," these start the writer's own words, not the rest of the claim.
_PARTICIPLE_START_RE = re.compile(
    r"(?:adding|saying|insisting|stressing|noting|arguing|warning|citing|according|and|but|while|though|"
    r"although|as|which|who|where|when|because|since|after|before)\b")
_ROLE_APPOSITIVE_RE = re.compile(r"(?:the|a|an)\s+[^,“”\"]{1,60},\s*")
_HEADLINE_RE = re.compile(
    r"(?P<speaker>[^\n]+?)\s+(?P<cue>Says|Say|Warns|Tells|Urges|Vows|Denies|Rejects|Demands|Insists|Pledges|"
    r"Promises|Accuses|Threatens|Dismisses|Calls\s+For|Predicts)\s+(?P<content>[^\n]+)")
_WARNING_RE = re.compile(
    r"\b(?:consequences?|(?:heavy|high|steep|severe)\s+(?:price|cost)|rupture|retaliat\w*|"
    r"respond\s+(?:decisively|forcefully|swiftly|firmly)|mistake|(?:would|will)\s+(?:pay|face|suffer|answer)|"
    r"answer\s+any|provocati\w+)\b|(?<!only )\bif\b.*\b(?:would|will)\b|\b(?:would|will)\b.*(?<!only )\bif\b")
_DENIAL_RE = re.compile(
    r"\b(?:threatened\s+nobody|threatens\s+no\s*one|baseless|unfounded|hysteria|fake|lies)\b"
    r"|\b(?:not|never|no)\b[^.]*\b(?:threaten\w*|intend\w*|plan\w*\s+to\s+(?:invade|attack))\b")
_DEMAND_RE = re.compile(r"\b(?:must|should|needs?\s+to|has\s+to|have\s+to|ought\s+to)\b")
_ASSESSMENT_RE = re.compile(
    r"\b(?:could|might|may|likely|unlikely|appeare?d?|appears|seem\w*|convinced|probably|possibly|"
    r"inevitable|larger|greater|closer|signal|sign\s+of|threat\s+to|useful|candid|frank)\b")
_COMMITMENT_RE = re.compile(
    r"^(?:the\s+)?[\w.’' ]{1,30}?\b(?:will|would)\s+(?:keep|continue|send|provide|hand|deliver|stand|support|"
    r"defend|put|give|help)\b")
_CLAUSE_MARK_RE = re.compile(
    r"\b(?:will|would|could|should|can|cannot|may|might|must|shall|is|are|was|were|has|have|had|"
    r"did|does|do|[a-z]+n['’]t|[a-z]+ed|remains|wants|needs|"
    r"means|seems|appears|plans|intends|poses|threatens|matters|depends|stands|risks|lies)\b"
)
_LEADING_CONTENT_RE = re.compile(r"(?:\s|,|:|that\b|of\b|against\b)+")
_TRAILING_SOURCE_RE = re.compile(r",\s+according\s+to\b", re.IGNORECASE)
_DOCUMENT_NOUNS = r"(?:readout|statement|transcript|summary|report|account|communique|release)"
_SPEAKER_LEAD_RE = re.compile(rf"(?:the\s+|(?:a|an|the)\s+(?=\S+(?:\s+\S+)?\s+{_DOCUMENT_NOUNS}\b))")
_APPOSITIVE_RE = re.compile(r"(?:,\s*(?:a|an|the|his|her|its)\s+[^,;“”\"]{1,100}?)?,\s*")
# Cues that introduce reported content only with "that" (else "Russia added troops" would count).
_THAT_CUES = frozenset({"add", "stress", "note", "emphasize", "acknowledge", "write", "reply", "respond",
                        "ask", "explain", "claim", "report", "expect", "recall", "maintain", "concede", "admit",
                        "signal", "complain", "conclude", "fear", "reiterate", "repeat",
                        "worry", "charge", "observe", "testify", "boast", "hint"})


def find_claims(text: str, sentences: list[Sentence], findings: ActorFindings,
                gazetteer: Gazetteer) -> list[Claim]:
    """Find the direct quotes and the reported speech of an article, with speakers resolved."""
    return _ClaimFinder(text, sentences, findings, gazetteer).run()


class _ClaimFinder:
    """The three passes over one article, sharing the consumed cues and quotes."""

    def __init__(self, text: str, sentences: list[Sentence], findings: ActorFindings, gazetteer: Gazetteer):
        """Index the article's quotes, cues (outside quotes) and speaker candidates."""
        self.text = text
        self.sentences = sentences
        self.index = SentenceIndex(sentences)
        self.findings = findings
        self.gazetteer = gazetteer
        self.quotes = [_Quote(m.start(), m.end(), 1 if m.group()[0] in "“\"" else 2)
                       for m in _QUOTE_RE.finditer(text)]
        self._quote_opens = [q.open for q in self.quotes]  # quotes never overlap: bisect finds the one
        self.cues = [m for m in gazetteer.cue_re.finditer(text) if not self._in_quote(m.start())]
        self.cue_starts = [m.start() for m in self.cues]
        self._cue_verbs: dict[str, CueVerb] = {}
        self._subjects: dict[tuple[int, int], _Speaker | None] = {}
        self.used_cues: set[int] = set()
        self.used_quotes: set[int] = set()
        self.claims: dict[tuple[int, int], Claim] = {}
        self.sentence_speakers: dict[int, _Speaker] = {}  # sentence start -> its first reported speaker
        self.speakers = self._speaker_candidates()
        self._speaker_keys = [-s.end for s in self.speakers]  # ascending, for _speakers_ending_in
        self.masked = self._masked_text()

    # --- passes ---

    def run(self) -> list[Claim]:
        """Quotes first (their attributions consume cues), then 'according to', then the rest; quotes
        nobody is named for last, since they continue the speaker before them."""
        self._headline()
        self._direct_quotes()
        for sentence in self.sentences:
            for cue in self._cues_in(sentence):
                if self._cue(cue).lemma == "according to":
                    self._according_to(cue, sentence)
            self._quoted_as_saying(sentence)
            self._called(sentence)
            for cue in self._cues_in(sentence):
                if cue.start() not in self.used_cues:
                    self._parenthetical(cue, sentence)
            for post_positioned in (True, False):  # "…, X said." first: its content may hold a relayed cue
                for cue in self._cues_in(sentence):
                    if cue.start() not in self.used_cues:
                        self._reported(cue, sentence, post_positioned)
            self._verb_that(sentence)
        self._unattributed_quotes()
        return sorted(self.claims.values(), key=lambda c: (c.start_char, c.end_char))

    def _headline(self) -> None:
        """A title-case headline 'Blinken Says Talks Can Only Progress …': speaker, cue, content."""
        first = self.sentences[0] if self.sentences else None
        if first is None or not _is_title_case(first.text):
            return
        match = _HEADLINE_RE.match(self.text, first.start, first.end)
        if match is None:
            return
        speaker = next((s for s in self.speakers if s.end == match.end("speaker") and s.kind == "mention"), None)
        verb = self.gazetteer.cues.get(re.sub(r"\s+", " ", match.group("cue").lower()))
        if speaker is None or verb is None:
            return
        self.used_cues.update(c.start() for c in self.cues if c.start() == match.start("cue"))
        content = (match.start("content"), _trim_end(self.text, match.start("content"), first.end))
        self._add_reported(speaker, None, verb, content, first, (match.start("cue"), match.end("cue")))

    def _called(self, sentence: Sentence) -> None:
        """'X called the attack “a reckless assault”': X's claim, the quote when it ends the sentence."""
        for match in _CALLED_RE.finditer(self.text, sentence.start, sentence.end):
            quote = next((q for q in self.quotes if q.open == match.start("quote")), None)
            speaker = self._speaker_before(match.start(), sentence.start)
            if quote is None or speaker is None or id(quote) in self.used_quotes:
                continue
            verb = CueVerb("called", "call", "assessment")
            rest = self.text[quote.close:sentence.end]
            if not rest.strip(" .,;!?"):
                self._add_quote_claim([quote], speaker, None, verb, (match.start(), match.end("verb")))
            else:
                content = (match.start("np"), _trim_end(self.text, match.start("np"), sentence.end))
                self._add_reported(speaker, None, verb, content, sentence, (match.start(), match.end("verb")))

    def _parenthetical(self, cue: re.Match, sentence: Sentence) -> None:
        """'Moscow, he said, had declined to commit': the attribution inside the claim."""
        verb = self._cue(cue)
        if verb.lemma in ("according to", *_QUOTE_ONLY_CUES) or cue.group().lower().endswith("ing"):
            return
        after = _COMMA_RE.match(self.text[cue.end():sentence.end])
        speaker = self._speaker_before(cue.start(), sentence.start)
        if after is None or speaker is None or speaker.start <= sentence.start:
            return
        before = _COMMA_END_RE.search(self.text[sentence.start:speaker.start])
        if before is None or not _BETWEEN_RE.match(self.text[speaker.end:cue.start()]):
            return
        head_end = sentence.start + before.start()
        tail_start = cue.end() + after.end()
        tail_end = _trim_end(self.text, tail_start, sentence.end)
        head = self.text[sentence.start:head_end].strip()
        tail = self.text[tail_start:tail_end]
        if _word_count(head) < 1 or _word_count(tail) < 2 or _PARTICIPLE_START_RE.match(tail) or "," in head:
            return
        self.used_cues.add(cue.start())
        self._store(speaker, None, verb, f"{head} {tail}", False, sentence.start, tail_end,
                    sentence.start, sentence.end, ())

    def _unattributed_quotes(self) -> None:
        """A full-sentence quote nobody is named for continues the speaker of the claim just before it
        (within the last three sentences)."""
        for quote in self.quotes:
            sentence = self.index.at(quote.open)
            if id(quote) in self.used_quotes or sentence is None or _word_count(self._inner(quote)) < 4:
                continue
            if self.text[sentence.start:quote.open].strip(" ([—–-"):
                continue  # a quote inside a sentence with no attribution is a scare quote, not a claim
            floor = self.sentences[max(0, sentence.index - 3)].start
            earlier = [c for c in self.claims.values() if floor <= c.start_char and c.end_char <= quote.open]
            if not earlier:
                continue
            last = max(earlier, key=lambda c: c.end_char)
            speaker = _Speaker(quote.open, quote.open, last.speaker_actor_id, last.speaker_surface or "", "resolved")
            self._add_quote_claim([quote], speaker, None, self.gazetteer.cues["said"], None)

    def _direct_quotes(self) -> None:
        """Pass 1: quotes at the start of a sentence with an attribution right after or before."""
        previous: tuple[_Speaker, CueVerb, int] | None = None
        position = 0
        while position < len(self.quotes):
            quote = self.quotes[position]
            position += 1
            if id(quote) in self.used_quotes:
                continue
            sentence = self.index.at(quote.open)
            opens_sentence = sentence is not None and self._opens_sentence(sentence, quote.open)
            attribution = self._attribution_after(quote) if opens_sentence else None
            attribution = attribution or self._attribution_before(quote, sentence)
            attribution = attribution or self._colon_attribution(quote, sentence)
            if attribution is None:
                # an unattributed quote right after a quoted claim continues it: same speaker
                if (opens_sentence and previous and _word_count(self._inner(quote)) >= 4
                        and 0 < quote.open - previous[2] < 400
                        and "\n\n" not in self.text[previous[2]:quote.open]):
                    speaker, cue, _ = previous
                    self._add_quote_claim([quote], speaker, None, cue, None)
                    previous = (speaker, cue, quote.close)
                continue
            speaker, cue, cue_start, attribution_end = attribution
            self.used_cues.add(cue_start)
            cue_span = (cue_start, cue_start + len(cue.cue))
            parts = [quote]
            follower = self._following_quote(position, attribution_end)
            if follower is not None and self._attribution_after(self.quotes[follower]) is None:
                parts.append(self.quotes[follower])
                self.used_quotes.add(id(self.quotes[follower]))
                position = follower + 1
            self._add_quote_claim(parts, speaker, None, cue, cue_span)
            previous = (speaker, cue, parts[-1].close)

    def _according_to(self, cue: re.Match, sentence: Sentence) -> None:
        """Pass 2: 'according to X, …' and '…, according to X.'"""
        speaker = self._speaker_after(cue.end(), sentence.end) or self._source_phrase(cue.end(), sentence.end)
        if speaker is None:
            return
        self.used_cues.add(cue.start())
        if self._relayed(sentence.start, cue.start(), speaker):
            return
        before = self.text[sentence.start:cue.start()]
        if before.strip(" ,"):
            content = (sentence.start, sentence.start + len(before.rstrip(" ,")))
        else:
            document = re.match(rf"\s+{_DOCUMENT_NOUNS}\b(?:\s+(?:of|on|from|about|after|issued|released|"
                                 rf"published)\b[^,;“”\"]{{0,60}}(?=,))?", self.text[speaker.end:sentence.end])
            after = speaker.end + (document.end() if document else 0)
            rest = self.text[after:sentence.end]
            comma = _APPOSITIVE_RE.match(rest)
            if comma and _CLAUSE_MARK_RE.search(comma.group()):
                comma = re.match(r",\s*", rest)
            comma = comma or re.match(r",?\s*", rest)
            content = (after + comma.end(), _trim_end(self.text, after + comma.end(), sentence.end))
        inner = self._inner_attribution(*content)
        if inner is not None:
            inner_speaker, inner_cue, inner_content, inner_span = inner
            self._add_reported(inner_speaker, speaker, inner_cue, inner_content, sentence, inner_span)
        else:
            self._add_reported(speaker, None, self._cue(cue), content, sentence, None)

    def _source_phrase(self, position: int, limit: int) -> _Speaker | None:
        """Whatever phrase follows 'according to', to its comma: 'recent data from comScore', 'him'."""
        phrase = _SOURCE_PHRASE_RE.match(self.text, position, limit)
        if phrase is None:
            return None
        return _Speaker(phrase.start("np"), phrase.end("np"), None, phrase.group("np"), "bare")

    def _relayed(self, start: int, end: int, via: _Speaker) -> bool:
        """'“…,” he said, according to Tass': the claims already found before the cue came through
        the agency; whether there were any."""
        relayed = [key for key, claim in self.claims.items() if start <= claim.start_char and claim.end_char <= end]
        for key in relayed:
            claim = self.claims[key]
            if claim.via_actor_id is None and via.actor_id != claim.speaker_actor_id:
                self.claims[key] = dataclasses.replace(claim, via_actor_id=via.actor_id, via_surface=via.surface)
        return bool(relayed)

    def _quoted_as_saying(self, sentence: Sentence) -> None:
        """Pass 2b: 'Tass quoted Mr. Peskov as saying (that) …' -> Peskov, via Tass."""
        for match in re.finditer(r"\bquoted\b", self.text[sentence.start:sentence.end]):
            at = sentence.start + match.start()
            via = self._speaker_before(at, sentence.start)
            speaker = self._speaker_after(at + len("quoted"), sentence.end)
            if via is None or speaker is None:
                continue
            saying = re.match(r"(?:\s*,\s*(?:a|an|the|his|her|its)\s+[^,;“”\"]{1,100},)?\s+as\s+saying\b(?:\s+that\b)?",
                              self.text[speaker.end:sentence.end])
            if not saying:
                continue
            for cue in self.cues:
                if speaker.end <= cue.start() < speaker.end + saying.end():
                    self.used_cues.add(cue.start())
            start = speaker.end + saying.end()
            content = (start, _trim_end(self.text, start, sentence.end))
            self._add_reported(speaker, via, self.gazetteer.cues["said"], content, sentence, None)

    def _reported(self, cue: re.Match, sentence: Sentence, post_positioned: bool) -> None:
        """Pass 3: reported speech around one cue; content after it, or before it ('…, X said')."""
        verb = self._cue(cue)
        if verb.lemma in _QUOTE_ONLY_CUES:
            return
        participle = cue.group().lower().endswith("ing")
        if participle and (verb.lemma != "say" or self._ends_with_comma(sentence.start, cue.start())):
            self._participle(cue, sentence, verb, post_positioned)
            return
        if _NEGATED_CUE_RE.search(self.text, max(sentence.start, cue.start() - 20), cue.start()):
            return  # "He did not say what Russia would offer": no claim was made
        speaker = self._speaker_before(cue.start(), sentence.start)
        content = None
        if speaker is not None:
            if speaker.start > sentence.start and self._ends_clause(cue.end(), sentence.end):
                content = self._content_before(speaker.start, sentence.start)
            if content is None and not post_positioned:
                content = self._content_after(cue.end(), sentence.end, verb)
        elif self._ends_with_comma(sentence.start, cue.start()):
            speaker = self._speaker_after(cue.end(), sentence.end)
            if speaker is not None and self._ends_clause(speaker.end, sentence.end):
                content = self._content_before(cue.start(), sentence.start)
        if speaker is None or content is None:
            return
        if _ANONYMITY_RE.match(self.text, cue.end()):
            return  # "a diplomat, who asked not to be named, said": a condition of speaking, not a claim
        if speaker.surface == "who":  # "X, who said she would not run, tweeted …": the clause ends at its comma
            comma = self.text.find(",", content[0], content[1])
            content = (content[0], comma) if comma > content[0] else content
        self.used_cues.add(cue.start())
        self.sentence_speakers.setdefault(sentence.start, speaker)
        inner = self._inner_attribution(*content)
        if inner is not None:
            inner_speaker, inner_cue, inner_content, inner_span = inner
            self._add_reported(inner_speaker, speaker, inner_cue, inner_content, sentence, inner_span)
        else:
            self._add_reported(speaker, None, verb, content, sentence, (cue.start(), cue.end()))

    def _verb_that(self, sentence: Sentence) -> None:
        """'The court ruled that …', 'Mr. Lask learned that …': a verb the cue list lacks, right before
        'that' and a clause, after a named or pronoun subject."""
        for match in _VERB_THAT_RE.finditer(self.text, sentence.start, sentence.end):
            word = match.group("verb")
            if word.lower() in _NOT_VERB_THAT or self._in_quote(match.start()) or self._has_cue(*match.span("verb")):
                continue
            speaker = self._speaker_before(match.start(), sentence.start)
            if speaker is None or speaker.kind == "bare" or self._has_cue(speaker.end, match.start()):
                continue  # "demanded immediate guarantees that …": the noun belongs to another cue
            if _NEGATED_CUE_RE.search(self.text, max(sentence.start, match.start() - 20), match.start()):
                continue
            verb = CueVerb(word.lower(), word.lower(), "statement")
            content = self._content_after(match.end("verb"), sentence.end, verb)
            if content is None or not _CLAUSE_MARK_RE.search(self.text, *content):
                continue
            self._add_reported(speaker, None, verb, content, sentence, match.span("verb"))

    def _participle(self, cue: re.Match, sentence: Sentence, verb: CueVerb, post_positioned: bool) -> None:
        """'…, Mr. Ryabkov said, adding that …': the speaker of the attribution before the comma."""
        if post_positioned or not _COMMA_END_RE.search(self.text[sentence.start:cue.start()]):
            return
        earlier = [c for c in self.claims.values()
                   if c.speaker_actor_id and sentence.start <= c.start_char < cue.start()]
        speaker = None
        if earlier:
            last = max(earlier, key=lambda c: c.start_char)
            speaker = _Speaker(cue.start(), cue.start(), last.speaker_actor_id, last.speaker_surface or "", "resolved")
        else:  # "Mrs. Warren praised the plan, saying …": the sentence's subject
            speaker = self._speaker_before(cue.start(), sentence.start)
            said = [c for c in self._cues_in(sentence) if c.end() <= cue.start()
                    and _COMMA_RE.fullmatch(self.text[c.end():cue.start()])]
            if speaker is None and not said:  # "…, Downing Street said, adding": not the subject's
                speaker = self._sentence_subject(sentence)
        content = self._content_after(cue.end(), sentence.end, verb) if speaker is not None else None
        if content is None:
            return
        self.used_cues.add(cue.start())
        self._add_reported(speaker, None, verb, content, sentence, (cue.start(), cue.end()))

    def _sentence_subject(self, sentence: Sentence) -> _Speaker | None:
        """The candidate that opens a sentence (after 'The' or an opening phrase), resolved."""
        for speaker in reversed(self._speakers_ending_in(sentence.start, sentence.end)):
            if speaker.kind in ("document", "relative") or self._in_quote(speaker.start):
                continue
            lead = self.text[sentence.start:speaker.start]
            if _SUBJECT_LEAD_RE.fullmatch(lead) and not _POSSESSIVE_AFTER_RE.match(self.text, speaker.end):
                return self._resolve(speaker)
            if speaker.start > sentence.start + 60:
                break
        return None

    # --- attribution helpers ---

    def _opens_sentence(self, sentence: Sentence, position: int) -> bool:
        """Whether only brackets or dashes, or a finished sentence the splitter kept ('… out. ''…'),
        come before position in its sentence."""
        before = self.text[sentence.start:position]
        return not before.strip(" ([—–-") or bool(re.search(r"[.!?][”\"']*\s+$", before))

    def _attribution_after(self, quote: _Quote) -> tuple[_Speaker, CueVerb, int, int] | None:
        """'“…,” Mr. Putin said' or '“…,” said Mr. Putin': speaker, cue, cue offset, end offset."""
        sentence = self.index.at(max(quote.close - 1, 0))
        end = sentence.end if sentence else len(self.text)
        asks = self.text[quote.inner[1] - 1:quote.inner[1]] in ("?", "!")
        if sentence is not None and asks and end <= quote.close + 1 and sentence.index + 1 < len(self.sentences):
            following = self.sentences[sentence.index + 1]  # '“… no?” Freddy Ortega said.' split after the ?
            if not self.text[quote.close:following.start].strip():
                end = following.end
        limit = min(end, quote.close + 200)
        lead = re.match(r"\s*,?\s*", self.text[quote.close:limit])
        at = quote.close + lead.end()
        for cue in self.cues:
            if cue.start() < at or cue.start() >= limit or cue.start() in self.used_cues:
                continue
            verb = self._cue(cue)
            if verb.lemma == "according to":
                return None
            if cue.start() == at:
                speaker = self._speaker_after(cue.end(), limit)
                if speaker is not None:
                    return speaker, verb, cue.start(), speaker.end
                return None
            speaker = self._speaker_before(cue.start(), at)
            if speaker is not None and not (self._starts_at(speaker, at)
                                            or _ROLE_APPOSITIVE_RE.fullmatch(self.text, at, speaker.start)):
                speaker = self._bare_subject(cue.start(), at)  # "a narrator in the Clinton ad asks"
            if speaker is not None and (self._starts_at(speaker, at)
                                        or _ROLE_APPOSITIVE_RE.fullmatch(self.text, at, speaker.start)):
                return speaker, verb, cue.start(), cue.end()
            return None
        return self._dash_attribution(quote, at, limit)

    def _dash_attribution(self, quote: _Quote, at: int, limit: int) -> tuple[_Speaker, CueVerb, int, int] | None:
        """'“…” ― Dana Quill': a quote signed with a dash and a name, as readers' letters are."""
        dash = re.match(r"[―—–]\s*", self.text[at:limit])
        if dash is None:
            return None
        start = at + dash.end()
        speaker = next((s for s in self._speakers_ending_in(start, limit) if s.start == start
                        and s.kind in ("mention", "name")), None)
        if speaker is None or self.text[speaker.end:limit].strip(" .\xa0"):
            return None
        return speaker, self.gazetteer.cues["said"], at, speaker.end

    def _attribution_before(self, quote: _Quote, sentence: Sentence | None) -> tuple | None:
        """'Mr. Biden said: “…”' or 'Mr. Lavrov told reporters, “…”' within the quote's sentence."""
        if sentence is None:
            return None
        pre_end = quote.open
        stripped = self.text[sentence.start:pre_end].rstrip()
        punctuated = stripped.endswith((":", ","))
        for cue in reversed(self.cues):
            if not sentence.start <= cue.start() < pre_end or cue.start() in self.used_cues:
                continue
            if not punctuated and cue.end() != sentence.start + len(stripped):
                return None  # only a cue right before the quote introduces it unpunctuated ("writing “…”")
            mark = sentence.start + len(stripped) - (1 if punctuated else 0)
            opening = not self.text[sentence.start:cue.start()].strip()
            inverted = self._speaker_after(cue.end(), mark) if opening else None  # 'Said Ellis: “…”'
            if inverted is not None and not self.text[inverted.end:mark].strip():
                return inverted, self._cue(cue), cue.start(), quote.close
            gap = self.masked[cue.end():mark]
            if not _GAP_RE.match(gap):
                return None
            speaker = self._speaker_before(cue.start(), sentence.start)
            participle = cue.group().lower().endswith("ing")
            if speaker is None and participle and self._ends_with_comma(sentence.start, cue.start()):
                speaker = self._sentence_subject(sentence)  # "X posted a comment, saying, “…”"
            if speaker is None:
                return None
            return speaker, self._cue(cue), cue.start(), quote.close
        return None

    def _colon_attribution(self, quote: _Quote, sentence: Sentence | None) -> tuple | None:
        """'Mr. Potts echoed:' or 'The mayor released a statement:' and a quote after the colon, in
        its sentence or opening the next paragraph: the cue's subject, else the sentence's subject."""
        if sentence is None:
            return None
        colon = _COLON_BEFORE_RE.search(self.text, max(0, quote.open - 8), quote.open)
        if colon is None:
            return None
        introducing = self.index.at(colon.start())
        if introducing is None or (introducing is not sentence and not self._opens_sentence(sentence, quote.open)):
            return None
        cues = [c for c in self._cues_in(introducing) if c.end() <= colon.start() and c.start() not in self.used_cues]
        if cues:
            verb = self._cue(cues[-1])
            speaker = self._speaker_before(cues[-1].start(), introducing.start) or self._sentence_subject(introducing)
            cue_start = cues[-1].start()
        else:
            verb, cue_start = self.gazetteer.cues["said"], colon.start()
            speaker = self._sentence_subject(introducing)
        if speaker is None or verb.lemma == "according to":
            return None
        return speaker, verb, cue_start, quote.close

    def _following_quote(self, position: int, attribution_end: int) -> int | None:
        """Index of a quote that continues right after an attribution ('…,” he said. “…')."""
        if position >= len(self.quotes):
            return None
        candidate = self.quotes[position]
        gap = self.text[attribution_end:candidate.open]
        if _FOLLOW_GAP_RE.fullmatch(gap) and "\n\n" not in gap:
            return position
        return None

    def _inner_attribution(self, start: int, end: int):
        """A reported content that opens with its own attribution: (speaker, cue, content) or None."""
        lead = _THAT_LEAD_RE.match(self.text[start:end])
        at = start + lead.end()
        for cue in self.cues:
            if not at < cue.start() < end or cue.start() in self.used_cues:
                continue
            speaker = self._speaker_before(cue.start(), at)
            if speaker is None or not self._starts_at(speaker, at) or speaker.kind == "bare":
                return None  # a bare noun phrase inside reported content is part of what was said
            verb = self._cue(cue)
            if verb.lemma in _BELIEF_CUES and _PRONOUN_RE.fullmatch(speaker.surface):
                return None  # "riders say they feel betrayed": what they said, not relayed by them
            content = self._content_after(cue.end(), end, verb)
            if content is None or _NEGATION_RE.search(self.text, speaker.end, cue.start()):
                return None  # "Russia had never threatened the Ukrainian people" is not relayed speech
            introduced = _INTRODUCER_RE.search(self.text, cue.end(), content[0])
            if not (introduced or (verb.lemma not in _NP_CUES
                                   and _CLAUSE_MARK_RE.search(self.text, content[0], content[1]))):
                return None  # "the United States had rejected proposals …" reports an act, not speech
            self.used_cues.add(cue.start())
            return speaker, verb, content, (cue.start(), cue.end())
        return None

    def _speaker_before(self, cue_start: int, floor: int, resolve: bool = True) -> _Speaker | None:
        """The subject of a cue: the nearest speaker ending before it with only an appositive,
        auxiliaries, adverbs or a time phrase in between; else the sentence's subject when a chain
        of appositives and relative clauses separates it from the cue ("Michael Carpenter, the
        ambassador, who spoke after …, said"); else the subject of a coordinated verb."""
        found = self._subject_of(cue_start, floor)
        return self._resolve(found) if resolve and found is not None else found

    def _subject_of(self, cue_start: int, floor: int) -> _Speaker | None:
        """_speaker_before without resolving pronouns and documents; remembered per (cue, floor), since
        every pass asks for each cue's subject, unless it came from the sentence's speaker so far."""
        key = (cue_start, floor)
        if key not in self._subjects:
            found, lasting = self._find_subject(cue_start, floor)
            if not lasting:
                return found
            self._subjects[key] = found
        return self._subjects[key]

    def _find_subject(self, cue_start: int, floor: int) -> tuple[_Speaker | None, bool]:
        """_subject_of, and whether the answer lasts (it does not when it reads sentence_speakers,
        which grows as claims are found)."""
        window = self._speakers_ending_in(floor, cue_start)
        subjects = [s for s in window if self._starts_at(s, floor) and s.end < cue_start
                    and not _POSSESSIVE_AFTER_RE.match(self.text, s.end)]
        subject = max(subjects, key=lambda s: s.end - s.start) if subjects else None
        if subject is not None and _APPOSITIVE_CHAIN_RE.fullmatch(self.masked, subject.end, cue_start):
            return subject, True
        for speaker in window:
            if speaker.end > cue_start or speaker.start < floor:
                continue
            between = self.text[speaker.end:cue_start]
            if _BETWEEN_RE.match(between):
                return self._holder_of(speaker, floor) or speaker, True
            # the name is itself the appositive: "Britain's foreign secretary, Liz Truss, said"
            if _COMMA_RE.fullmatch(between) and self.text[floor:speaker.start].rstrip().endswith(","):
                return speaker, True
        # a second verb of the sentence's subject: "Mr. Blinken met Mr. Lavrov … and said afterward that"
        if _COORDINATED_RE.search(self.text, floor, cue_start):
            earlier = self.sentence_speakers.get(floor)
            if earlier is not None and earlier.end < cue_start:
                return earlier, False
            return subject, False
        aside = _DASH_ASIDE_RE.search(self.text, floor, cue_start)
        if aside is not None and aside.start() > floor:  # "Workers in two towns — Alder and Brook — said"
            return self._find_subject(aside.start(), floor)
        return self._bare_subject(cue_start, floor), True

    def _bare_subject(self, cue_start: int, floor: int) -> _Speaker | None:
        """A short noun phrase right before the cue, opening its clause, that no candidate covers
        ("the organizer told them", "Some 56 percent of voters polled said", "tech executives say")."""
        if self.sentences and self.sentences[0].start <= cue_start < self.sentences[0].end \
                and self.text.startswith("\n\n", self.sentences[0].end):
            return None  # a headline drops its articles and verbs ("Blinken calls Russian demands …")
        region = self.text[floor:cue_start]
        boundary = max(region.rfind(","), region.rfind(";"), region.rfind(":"), region.rfind("—"))
        start = floor + boundary + 1 if boundary >= 0 else floor
        phrase = _BARE_SUBJECT_RE.fullmatch(self.text, start, cue_start)
        if phrase is None:
            return None
        words = phrase.group("np").split()
        last = words[-1].lower().strip("’'")
        if any(w.lower() in _NOT_IN_SUBJECT for w in words) or last in _NOT_A_NAME or last.endswith("ly") \
                or words[0].lower() in _NOT_A_SUBJECT_START or _PARTICIPLE_WORD_RE.fullmatch(words[0]):
            return None  # "appearing on a radio show": a participle opens a modifier, not a subject
        start, end = phrase.start("np"), phrase.end("np")
        if _PLACE_HEAD_RE.search(self.text, start, end):
            return None
        inside = [m for m in self.findings.mentions if start <= m.start_char and m.end_char <= end]
        if inside:  # "G7 foreign ministers meeting in Liverpool": the named group; "Mr. X's chief of
            head = inside[0]  # staff" is a role of X for the actor rules to resolve, not a bare subject
            if self._starts_at(_Speaker(head.start_char, head.end_char, None, ""), start) \
                    and not _POSSESSIVE_AFTER_RE.match(self.text, head.end_char):
                return _Speaker(head.start_char, head.end_char, head.actor_id, head.surface)
            return None
        return _Speaker(start, end, None, phrase.group("np"), "bare")

    def _holder_of(self, speaker: _Speaker, floor: int) -> _Speaker | None:
        """The person before 'of <speaker>' ('President Emmanuel Macron of France said'), if any."""
        if not _OF_END_RE.search(self.text[floor:speaker.start]):
            return None
        for candidate in self._speakers_ending_in(floor, speaker.start):
            actor = self.findings.actors.get(candidate.actor_id or "")
            if (candidate.end <= speaker.start and candidate.start >= floor and actor is not None
                    and actor.actor_type == "person"
                    and _OF_RE.fullmatch(self.text[candidate.end:speaker.start])):
                return candidate
        return None

    def _speaker_after(self, position: int, limit: int) -> _Speaker | None:
        """A speaker starting right after position ('said Mr. Putin', 'according to the Kremlin',
        'according to a Kremlin readout'), resolved."""
        found = self._speaker_right_after(position, limit)
        return self._resolve(found) if found is not None else None

    def _speaker_right_after(self, position: int, limit: int) -> _Speaker | None:
        """_speaker_after without resolving pronouns and documents."""
        space = re.match(r"\s+", self.text[position:limit])
        if not space:
            return None
        at = position + space.end()
        starts = {at}
        lead = _SPEAKER_LEAD_RE.match(self.text, at, limit)
        if lead:
            starts.add(lead.end())
        candidates = [s for s in self._speakers_ending_in(at, limit) if s.start in starts and s.end <= limit]
        if not candidates:
            return self._bare_object(at, limit)
        found = max(candidates, key=lambda s: s.end - s.start)
        role = _ROLE_WORD_RE.match(self.text, found.end, limit)  # "Ohio State University professor Dana Quill"
        if role:
            person = [s for s in self._speakers_ending_in(role.end(), limit) if s.start == role.end()]
            if person:
                return max(person, key=lambda s: s.end - s.start)
        return found

    def _bare_object(self, at: int, limit: int) -> _Speaker | None:
        """An unnamed phrase after the cue: 'said one longtime farmer familiar with the budget'."""
        phrase = _BARE_OBJECT_RE.match(self.text, at, limit)
        if phrase is None or any(w.lower() in _NOT_IN_SUBJECT - {"to"} for w in phrase.group().split()):
            return None
        return _Speaker(phrase.start(), phrase.end(), None, phrase.group(), "bare")

    def _content_after(self, position: int, end: int, verb: CueVerb) -> tuple[int, int] | None:
        """The reported content after a cue: after 'that', or after objects and time phrases."""
        window = self.masked[position:end]
        that = _THAT_RE.search(window[:160])
        if verb.lemma == "ask" and not that:  # "asked why the West was waiting": the question is the claim
            question = re.match(r"\s*(?:[^,;:.“”\"]{0,60}?\s)?(?=(?:why|whether|if|how)\b)", window)
            if question:
                start = position + question.end()
                content_end = _trim_end(self.text, start, end)
                return (start, content_end) if _word_count(self.text[start:content_end]) >= 3 else None
        if verb.lemma in _TO_CUES:  # "told Ukrainians to stay calm", "urged Moscow to pull back"
            infinitive = _TO_OBJECT_RE.match(window)
            if infinitive and (not that or infinitive.end() <= that.start()):
                start = position + infinitive.start("to")
                content_end = _trim_end(self.text, start, end)
                return (start, content_end) if _word_count(self.text[start:content_end]) >= 2 else None
        gap_re = _OBJECT_GAP_RE if verb.lemma in _OBJECT_CUES else _GAP_RE
        if that and not (gap_re.match(window[:that.start()]) or _PREPOSITIONAL_GAP_RE.match(window[:that.start()])):
            that = None
        if that and self._has_cue(position, position + that.start()):
            that = None
        if that:
            start = position + that.end()
        elif re.match(r"\s*,", window):
            return None  # "…, officials said, and …": the content came before the cue
        else:
            start = position
            skippable = _SKIP_OBJECT_RE if verb.lemma in _OBJECT_CUES else _SKIP_PIECE_RE
            while True:
                piece = skippable.match(self.masked, start, end)
                if not piece or piece.end() == start:
                    break
                start = piece.end()
        lead = _LEADING_CONTENT_RE.match(self.text, start, end)
        if lead:
            start = lead.end()
        source = _TRAILING_SOURCE_RE.search(self.text, start, end)
        end = source.start() if source else end
        for cue in self.cues:  # "… and warned other countries that …": the next claim starts there
            if not start < cue.start() < end:
                continue
            participle = re.search(r",\s*$", self.text[start:cue.start()])
            if participle and cue.group().lower().endswith("ing"):  # "…, adding that …": a claim of its own
                end = start + participle.start()
                break
            aside = _PRONOUN_ASIDE_RE.search(self.text, start, cue.start())
            if aside:  # "…, a step they described as ominous": the aside is a claim of its own
                end = aside.start()
                break
            coordination = _COORDINATION_BEFORE_RE.search(self.text, start, cue.start())
            if coordination and (_OWN_CONTENT_RE.match(self.text, cue.end(), end) or self._cue(cue).lemma == "say"):
                end = coordination.start()
                break
            # "…, but Jen Psaki, the press secretary, said …": a new speaker takes over
            for conjunction in _CONJUNCTION_RE.finditer(self.text, start, cue.start()):
                speaker = self._speaker_before(cue.start(), conjunction.end())
                if speaker is not None and self._starts_at(speaker, conjunction.end()):
                    end = conjunction.start()
                    break
            if end < cue.start():
                break
        content_end = _trim_end(self.text, start, end)
        if content_end - start < 3:
            return None
        content = self.text[start:content_end]
        if _AUXILIARY_START_RE.match(content):
            return None  # "a step that officials said could be used …": the subject is outside the clause
        if verb.lemma in _THAT_CUES and not that:
            return None
        if verb.lemma not in _NP_CUES and not that and not _CLAUSE_MARK_RE.search(_unquoted(content)) \
                and not _PRESENT_CLAUSE_RE.match(content) and not _QUOTED_CLAUSE_RE.match(content):
            return None
        if verb.lemma not in _NP_CUES and not that and _word_count(content) < 3:
            return None
        return start, content_end

    def _content_before(self, speaker_start: int, floor: int) -> tuple[int, int] | None:
        """The content before '…, X said': from the sentence start to the comma."""
        before = self.text[floor:speaker_start]
        match = re.search(r"(?:,\s*(?:[”\"]|'')?|,?(?:[”\"]|'')\s*,?)\s*(?:[Tt]he\s+)?(?:[a-z][\w-]*\s+)?$", before)
        if not match:
            return None
        content_end = floor + match.start()
        lead = _LEADING_CONTENT_RE.match(before)
        start = floor + (lead.end() if lead else 0)
        if content_end - start < 3 or _word_count(self.text[start:content_end]) < 3:
            return None
        quotes = [q for q in self.quotes if start <= q.open and q.close <= speaker_start]
        if quotes and quotes[0].open == start:
            return None  # a direct quote: pass 1 owns it
        return start, content_end

    def _speakers_ending_in(self, floor: int, limit: int) -> list[_Speaker]:
        """The speakers whose end lies in (floor, limit], in self.speakers' order: each cue looks only
        at its own stretch of text, so a long article is not read once per cue."""
        first = bisect.bisect_left(self._speaker_keys, -limit)
        return self.speakers[first:bisect.bisect_left(self._speaker_keys, -floor, first)]

    def _starts_at(self, speaker: _Speaker, position: int) -> bool:
        """Whether a speaker begins at position, allowing a leading 'the' ('the Kremlin said')."""
        lead = _THE_RE.match(self.text, position, speaker.start)
        return speaker.start == position or bool(lead and lead.end() == speaker.start)

    def _has_cue(self, start: int, end: int) -> bool:
        """Whether a cue verb starts inside [start, end)."""
        first = bisect.bisect_left(self.cue_starts, start)
        return first < len(self.cue_starts) and self.cue_starts[first] < end

    def _ends_clause(self, position: int, end: int) -> bool:
        """Whether only an appositive, a listener or a time phrase follows position in the sentence
        (so '…, said X' or '…, X said' closes the sentence rather than opening a new clause)."""
        tail = self.masked[position:_trim_end(self.text, position, end)]
        return bool(_TAIL_RE.fullmatch(tail))

    def _ends_with_comma(self, floor: int, position: int) -> bool:
        """Whether the text before position ends with a comma (optionally inside a closing quote)."""
        return self.text[floor:position].rstrip().endswith((",", ",”", ",\"", ",''"))  # a '”,' ends in ',' too

    # --- building claims ---

    def _add_quote_claim(self, parts: list[_Quote], speaker: _Speaker, via: _Speaker | None,
                         verb: CueVerb, cue_span: tuple[int, int] | None) -> None:
        """Record a direct quote made of one or two parts."""
        pieces = [self._inner(q).strip() for q in parts]
        claim_text = pieces[0]
        for piece in pieces[1:]:
            if piece[:1].islower():
                claim_text = claim_text.rstrip(" ,") + " " + piece
            else:
                claim_text = re.sub(r",$", ".", claim_text) + " " + piece
        claim_text = claim_text.rstrip(" ,")
        start, end = parts[0].inner[0], parts[-1].inner[1]
        targets = self._targets(cue_span, parts[0].open if cue_span and cue_span[1] <= parts[0].open else None,
                                speaker, verb)
        self._store(speaker, via, verb, claim_text, True, start, end, min(start, speaker.start),
                    max(end, speaker.end), targets)
        for quote in parts:
            self.used_quotes.add(id(quote))

    def _add_reported(self, speaker: _Speaker, via: _Speaker | None, verb: CueVerb,
                      content: tuple[int, int], sentence: Sentence, cue_span: tuple[int, int] | None) -> None:
        """Record reported speech; a content that is one whole quote counts as a direct quote."""
        if via is not None and via.actor_id is not None and via.actor_id == speaker.actor_id:
            via = None  # "Mr. Biden said he told Mr. Putin …": no intermediary
        start, end = content
        for cue_start in self.cue_starts[bisect.bisect_left(self.cue_starts, start):
                                         bisect.bisect_left(self.cue_starts, end)]:
            self.used_cues.add(cue_start)  # a cue inside reported content is part of what was said
        targets = self._targets(cue_span, start, speaker, verb)
        raw = self.text[start:end]
        inside = [q for q in self.quotes if start <= q.open and q.close <= end + 1]
        for quote in inside:
            self.used_quotes.add(id(quote))
        whole = next((q for q in inside if q.open == start and q.close >= end), None)
        if whole is not None:
            start, end = whole.inner
            raw = self.text[start:end].strip().rstrip(",")
            self._store(speaker, via, verb, raw, True, start, end, sentence.start, sentence.end, targets)
            return
        self._store(speaker, via, verb, raw.strip(), False, start, end, sentence.start, sentence.end, targets)

    def _targets(self, cue_span: tuple[int, int] | None, content_start: int | None, speaker: _Speaker,
                 verb: CueVerb) -> tuple[str, ...]:
        """Who a speech act is aimed at: the cue's object ("warned Mr. Biden that", "urged Moscow to",
        "told him"), or the subject of a demanded clause ("demanded that NATO rule out")."""
        if cue_span is None or verb.lemma not in _TARGET_CUES:
            return ()
        cue_end = cue_span[1]
        sentence = self.index.at(cue_end)
        limit = content_start if content_start is not None and content_start >= cue_end else cue_end + 80
        limit = min(limit, sentence.end if sentence else limit)
        region = self.text[cue_end:limit]
        object_end = re.search(r"\b(?:that|to|of|about|against|over|on|during|in|at|after|before)\b|[,:;“\"]", region)
        stop = cue_end + (object_end.start() if object_end else len(region))
        found: list[str] = []
        for mention in self.findings.mentions:
            if cue_end <= mention.start_char and mention.end_char <= stop:
                actor = self.findings.actors[mention.actor_id]
                listener = "agency" in self.gazetteer.kinds.get(mention.actor_id, frozenset())  # "told Tass"
                if actor.actor_type != "anonymous" and mention.actor_id != speaker.actor_id and not listener:
                    found.append(mention.actor_id)
        for match in _OBJECT_PRONOUN_RE.finditer(self.text, cue_end, stop):
            gender = {"him": "m", "her": "f"}.get(match.group().lower())
            actor_id = self._last_person(cue_span[0], exclude=speaker.actor_id, gender=gender)
            if actor_id:
                found.append(actor_id)
        if not found and verb.claim_type == "demand" and content_start is not None:
            for mention in self.findings.mentions:  # "demanded that NATO rule out …"
                if mention.start_char == content_start and mention.actor_id != speaker.actor_id:
                    found.append(mention.actor_id)
        return tuple(dict.fromkeys(a for a in found if a))

    def _store(self, speaker: _Speaker, via: _Speaker | None, verb: CueVerb, claim_text: str,
               direct: bool, start: int, end: int, context_start: int, context_end: int,
               targets: tuple[str, ...]) -> None:
        """Keep one claim per content span."""
        if not claim_text or (start, end) in self.claims:
            return
        covering = self.index.covering(context_start, context_end)
        sentence_text = self.text[covering[0].start:covering[-1].end] if covering else claim_text
        self.claims[(start, end)] = Claim(
            speaker_actor_id=speaker.actor_id,
            speaker_surface=speaker.surface,
            via_actor_id=via.actor_id if via else None,
            via_surface=via.surface if via else None,
            cue_verb=verb.lemma,
            claim_type=_claim_type(verb, claim_text),
            claim_text=claim_text,
            is_direct_quote=direct,
            start_char=start,
            end_char=end,
            sentence=sentence_text,
            target_actor_ids=targets,
        )

    # --- setup ---

    def _speaker_candidates(self) -> list[_Speaker]:
        """Mentions, pronouns, offices and documents, nearest-last first (sorted by end, then length)."""
        speakers = [_Speaker(m.start_char, m.end_char, m.actor_id, m.surface) for m in self.findings.mentions]
        for match in _PRONOUN_RE.finditer(self.text):
            speakers.append(_Speaker(match.start(), match.end(), None, match.group(), "pronoun"))
        for match in _OFFICE_RE.finditer(self.text):  # "his office said": the office speaks for its holder
            speakers.append(_Speaker(match.start(), match.end(), None, match.group(), "office"))
        for match in _DOCUMENT_RE.finditer(self.text):
            speakers.append(_Speaker(match.start(), match.end(), None, match.group(), "document"))
        for match in _RELATIVE_RE.finditer(self.text):  # "Ruth Okafor, who said …,": the name before
            speakers.append(_Speaker(match.start(), match.end(), None, match.group(), "relative"))
        speakers.extend(self._nominal_candidates())
        speakers.extend(self._name_candidates(speakers))
        return sorted(speakers, key=lambda s: (-s.end, -(s.end - s.start)))

    def _nominal_candidates(self) -> list[_Speaker]:
        """Unnamed nominal speakers ("the Ohio governor") that overlap no mention: a named mention or
        an anonymous source found by the actor rules always wins."""
        covered = bytearray(len(self.text))
        for mention in self.findings.mentions:
            covered[mention.start_char:mention.end_char] = b"\x01" * (mention.end_char - mention.start_char)
        out = []
        for match in _NOMINAL_RE.finditer(self.text):
            if any(covered[match.start():match.end()]) or self._beside_name(covered, match.start(), match.end()):
                continue
            out.append(_Speaker(match.start(), match.end(), None, match.group(), "nominal"))
        return out

    def _name_candidates(self, found: list[_Speaker]) -> list[_Speaker]:
        """Capitalized names no other candidate covers, with leading function words dropped ("But
        Durbin" -> "Durbin"); their actor is unknown."""
        covered = bytearray(len(self.text))
        for speaker in found:
            covered[speaker.start:speaker.end] = b"\x01" * (speaker.end - speaker.start)
        out = []
        sentence_starts = [sentence.start for sentence in self.sentences]
        for match in _NAME_RE.finditer(self.text):
            start, end = match.start(), match.end()
            inside = bisect.bisect_right(sentence_starts, start)
            if inside < len(sentence_starts) and sentence_starts[inside] < end:
                start = sentence_starts[inside]  # "… in May. Mayor Quill": the name opens the next sentence
            for word in _WORD_RE.finditer(self.text[start:end]):
                if word.group().lower().rstrip(".") not in _NOT_A_NAME:
                    start += word.start()
                    break
            else:
                continue
            if _PLACE_HEAD_RE.search(self.text, start, end):
                continue  # "Downing Street said": an institution by its address, the actor rules' to find
            if _DEMONYM_RE.match(self.text, start) and _DEMONYM_RE.match(self.text, start).end() == end:
                continue
            if _PREPOSITION_BEFORE_RE.search(self.text, max(0, start - 40), start):
                continue  # "ministers meeting in Liverpool warned": the object of a preposition
            if start < end and not any(covered[start:end]) and not self._in_quote(start):
                out.append(_Speaker(start, end, None, self.text[start:end], "name"))
        return out

    def _beside_name(self, covered: bytearray, start: int, end: int) -> bool:
        """Whether a nominal is an appositive of a name ("Jake Sullivan, the adviser," / "the Polish
        president, Andrzej Duda,"): the name is the speaker then."""
        before = re.search(r"\S\s*,\s*$", self.text[max(0, start - 6):start])
        after = re.match(r"\s*,\s*\S", self.text[end:end + 6])
        return bool(before and covered[max(0, start - 6) + before.start()]) \
            or bool(after and covered[end + after.end() - 1])

    def _resolve(self, speaker: _Speaker) -> _Speaker:
        """A pronoun or document speaker with its actor filled in (unchanged when it is a mention)."""
        if speaker.kind == "pronoun" and speaker.surface.lower() in _UNRESOLVED_PRONOUNS:
            actor_id = None
        elif speaker.kind in ("pronoun", "office"):
            gender = {"he": "m", "she": "f", "his": "m", "her": "f"}.get(speaker.surface.split()[0].lower())
            actor_id = self._antecedent(speaker.start, gender)
        elif speaker.kind == "nominal":
            match = _NOMINAL_RE.fullmatch(speaker.surface)
            definite = bool(match) and match.group("det").lower() in ("the", "this", "that")
            person = bool(match) and _PERSON_HEAD_RE.fullmatch(match.group("head"))
            actor_id = self._nominal_antecedent(speaker.start, speaker.surface) if definite and person else None
        elif speaker.kind == "relative":
            comma = self.text.rfind(",", 0, speaker.start)
            head = next((s for s in self._speakers_ending_in(comma - 1, comma) if s.kind == "mention"), None)
            actor_id = head.actor_id if head else None
        elif speaker.kind == "document":  # "the statement said": whoever issued the last one quoted
            earlier = [c for c in self.claims.values() if c.end_char <= speaker.start]
            last = max(earlier, key=lambda c: c.end_char) if earlier else None
            actor_id = (last.via_actor_id or last.speaker_actor_id) if last else None
        else:
            return speaker
        return _Speaker(speaker.start, speaker.end, actor_id, speaker.surface, "resolved")

    def _antecedent(self, position: int, gender: str | None) -> str | None:
        """Who 'he'/'she'/'they' at position is: the speaker of the latest attribution in the last
        three sentences, else the first person of the previous sentence, else the last person
        mentioned; each only when its known gender does not contradict. A person who is the subject of
        a sentence after that attribution is nearer ("Lavrov arrived. “…,” he told Tass"), and wins."""
        here = self.index.at(position)
        floor = self.sentences[max(0, here.index - 2)].start if here else 0
        for cue in reversed(self.cues):
            if cue.end() > position or cue.start() < floor:
                continue
            sentence = self.index.at(cue.start())
            nearer = self._subject_between(sentence.index, here, gender) if here else None
            if nearer is not None:
                return nearer
            if self._cue(cue).lemma == "according to":
                found = self._speaker_after(cue.end(), sentence.end)
            else:
                found = self._speaker_before(cue.start(), sentence.start, resolve=False)
            if found is not None and found.kind == "mention" and self._fits(found.actor_id, gender):
                return found.actor_id
        if here is not None and here.index > 0:
            previous = self.sentences[here.index - 1]
            for mention in self.findings.mentions:
                if previous.start <= mention.start_char < previous.end and self._fits(mention.actor_id, gender):
                    return mention.actor_id
        return self._last_person(position, exclude=None, gender=gender)

    def _subject_between(self, after: int, here: Sentence, gender: str | None) -> str | None:
        """The nearest person of the gender who opens a sentence between sentence `after` and here."""
        for index in range(here.index - 1, after, -1):  # the pronoun's own sentence holds its content
            sentence = self.sentences[index]
            for mention in self.findings.mentions:
                if not sentence.start <= mention.start_char < sentence.end:
                    continue
                lead = self.text[sentence.start:mention.start_char]
                if _SUBJECT_LEAD_RE.fullmatch(lead) and self._fits(mention.actor_id, gender):
                    return mention.actor_id
                break  # only the sentence's first mention can be its subject
        return None

    def _nominal_antecedent(self, position: int, surface: str = "") -> str | None:
        """Who 'the governor' at position is: the named person who spoke last within the previous three
        sentences, else the first person named in each of them, nearest first; a demonym in the nominal
        ("the Russian minister") must agree with the person's country when it is known."""
        here = self.index.at(position)
        floor = self.sentences[max(0, here.index - _NOMINAL_REACH)].start if here else 0
        country = next((DEMONYMS[w.lower()] for w in _WORD_RE.findall(surface) if w.lower() in DEMONYMS), None)
        earlier = [c for c in self.claims.values() if floor <= c.start_char and c.end_char <= position
                   and self._is_person_of(c.speaker_actor_id, country)]
        if earlier:
            return max(earlier, key=lambda c: c.end_char).speaker_actor_id
        for index in range(here.index - 1, max(-1, here.index - 1 - _NOMINAL_REACH), -1) if here else ():
            previous = self.sentences[index]
            for mention in self.findings.mentions:
                inside = previous.start <= mention.start_char < previous.end
                if inside and self._is_person_of(mention.actor_id, country):
                    return mention.actor_id
        return None

    def _is_person_of(self, actor_id: str | None, country: str | None) -> bool:
        """Whether an actor is a person whose country, when both are known, is the given one."""
        actor = self.findings.actors.get(actor_id or "")
        return actor is not None and actor.actor_type == "person" and (
            country is None or actor.country is None or actor.country == country)

    def _fits(self, actor_id: str | None, gender: str | None) -> bool:
        """Whether an actor can be 'he'/'she' (a person whose known gender agrees) or 'they'."""
        actor = self.findings.actors.get(actor_id or "")
        if actor is None:
            return False
        if gender is None:
            return actor.actor_type != "person"  # "they": a group, an institution, unnamed officials
        return actor.actor_type == "person" and self.findings.genders.get(actor.actor_id, gender) == gender

    def _last_person(self, position: int, exclude: str | None, gender: str | None = None) -> str | None:
        """The last person mentioned before position (other than exclude, of the gender if given)."""
        for mention in reversed(self.findings.mentions):
            if mention.end_char > position or mention.actor_id == exclude:
                continue
            actor = self.findings.actors[mention.actor_id]
            if actor.actor_type == "person" and (gender is None or self._fits(actor.actor_id, gender)):
                return actor.actor_id
        return None

    def _masked_text(self) -> str:
        """The text with every mention replaced by NUL characters (for gap checks)."""
        chars = list(self.text)
        for mention in self.findings.mentions:
            chars[mention.start_char:mention.end_char] = _MASK * (mention.end_char - mention.start_char)
        return "".join(chars)

    def _cues_in(self, sentence: Sentence) -> list[re.Match]:
        """The cue matches inside a sentence."""
        first = bisect.bisect_left(self.cue_starts, sentence.start)
        last = bisect.bisect_left(self.cue_starts, sentence.end)
        return self.cues[first:last]

    def _cue(self, match: re.Match) -> CueVerb:
        """The cue verb a match stands for (remembered per surface: the passes ask for each cue often)."""
        surface = match.group()
        verb = self._cue_verbs.get(surface)
        if verb is None:
            verb = self._cue_verbs[surface] = self.gazetteer.cues[_SPACES_RE.sub(" ", surface.lower())]
        return verb

    def _in_quote(self, offset: int) -> bool:
        """Whether offset lies inside a quote."""
        at = bisect.bisect_left(self._quote_opens, offset) - 1
        return at >= 0 and offset < self.quotes[at].close

    def _inner(self, quote: _Quote) -> str:
        """The quoted text."""
        start, end = quote.inner
        return self.text[start:end]


def _trim_end(text: str, start: int, end: int) -> int:
    """Drop trailing spaces and the sentence's final punctuation (keep a closing quote mark)."""
    while end > start and text[end - 1] in " \t.!?;:,":
        end -= 1
    return end


def _unquoted(text: str) -> str:
    """Text with its quotes blanked out."""
    return _QUOTE_RE.sub(" ", text)


def _word_count(text: str) -> int:
    """Number of words in text."""
    return len(re.findall(r"\w+", text))


def _claim_type(verb: CueVerb, text: str) -> str:
    """The claim's type: the cue's own (warn, deny, demand, pledge...), and for neutral cues what the
    content does (a conditional threat warns, "must" demands, "could" assesses, "will keep" commits)."""
    if verb.claim_type != "statement":
        return verb.claim_type
    lowered = text.lower()
    if verb.lemma in _TO_CUES and lowered.startswith("to "):
        return "demand"
    for claim_type, pattern in (("warning", _WARNING_RE), ("denial", _DENIAL_RE), ("demand", _DEMAND_RE),
                                ("commitment", _COMMITMENT_RE), ("assessment", _ASSESSMENT_RE)):
        if pattern.search(lowered):
            return claim_type
    return "statement"


def _is_title_case(line: str) -> bool:
    """Whether a line is a title-case headline (most longer words capitalized)."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’\-]*", line) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)
