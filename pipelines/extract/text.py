"""Text helpers shared by the extractors: sentence splitting with character offsets, slugs.

News text is full of periods that do not end sentences ("Mr. Putin", "Gen. Mark A. Milley",
"Jan. 10", "the U.S. position"), so the splitter knows titles (never a sentence end), middle
initials (never), and ambiguous abbreviations such as "U.S." or "a.m." (a sentence end only when a
typical sentence opener follows). Every sentence keeps its offsets into the original string.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from pipelines.extract.lexicon import MONTH_ABBREVIATIONS

# Titles and honorifics that always precede a name, so a period after them never ends a sentence.
_NEVER_END = frozenset(
    "mr mrs ms messrs dr gen lt col maj capt cmdr sgt adm sen sens rep reps gov prof rev st "
    "pres amb hon fr gens".split()
)
# Abbreviations that may also close a sentence ("... talks with the U.S. The Kremlin said ...").
_AMBIGUOUS = frozenset("u.s u.k u.n e.u d.c a.m p.m etc inc corp co ltd jr sr no vs".split()) | MONTH_ABBREVIATIONS
# Words that typically open a sentence: after an ambiguous abbreviation they signal a boundary.
_OPENERS = frozenset(
    "the a an he she it they we i you his her its their our but and in on at as this that these "
    "those there mr mrs ms dr gen after before when while if still yet so for officials then now "
    "meanwhile however also some many both all no one two asked what why how who".split()
)
# The longest real news sentence we have seen runs to about 1,100 characters; a longer "sentence" is a
# table, a list or junk, cut into pieces of at most this length (the extractors work per sentence).
MAX_SENTENCE = 2000
_BOUNDARY_RE = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_LINE_RE = re.compile(r"[^\n]+")
_WORD_BEFORE_RE = re.compile(r"([\w.’'\-]+)$")
_NEXT_WORD_RE = re.compile(r"\s+[\"“‘(\[]?([\w.]+)")
_DOTTED_RE = re.compile(r"(?:[a-z]\.)+[a-z]")  # "u.s", "d.c": an abbreviation that may end a sentence


@dataclass(frozen=True)
class Sentence:
    """One sentence: its position in the article, offsets into the text, and the text itself."""

    index: int
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences with offsets; line breaks always end a sentence."""
    sentences: list[Sentence] = []
    for line in _LINE_RE.finditer(text):
        cursor = line.start()
        for boundary in _BOUNDARY_RE.finditer(text, line.start(), line.end()):
            if _is_boundary(text, boundary.start(), boundary.end(), line.end()):
                _append(sentences, text, cursor, boundary.end())
                cursor = boundary.end()
        _append(sentences, text, cursor, line.end())
    return sentences


def _is_boundary(text: str, punct_start: int, punct_end: int, line_end: int) -> bool:
    """Whether the punctuation run at punct_start really closes a sentence."""
    if text[punct_start] != "." or punct_end - punct_start > 1 and text[punct_start + 1] == ".":
        return True
    before = _WORD_BEFORE_RE.search(text, max(0, punct_start - 30), punct_start)
    if before is None:
        return True
    word = before.group(1).lower().lstrip("'’\"(")
    if word in _NEVER_END:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # a middle initial: "Vladimir V. Putin"
    if word in _AMBIGUOUS or _DOTTED_RE.fullmatch(word):
        following = _NEXT_WORD_RE.match(text, punct_end, line_end)
        return bool(following) and following.group(1).lower().rstrip(".") in _OPENERS
    return True


def _append(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    """Append the stripped span [start, end) as a sentence (or several, when overlong) if it holds text."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:  # not prose: cut at a space so no extractor reads it whole per match
        cut = text.rfind(" ", start + 1, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        _append(sentences, text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        sentences.append(Sentence(len(sentences), start, end, text[start:end]))


class SentenceIndex:
    """Find the sentence that holds a character offset (binary search over sentence starts)."""

    def __init__(self, sentences: list[Sentence]):
        """Index sentences by their start offsets."""
        self.sentences = sentences
        self._starts = [s.start for s in sentences]

    def at(self, offset: int) -> Sentence | None:
        """The sentence containing offset, or the one just before it when offset is between two."""
        position = bisect.bisect_right(self._starts, offset) - 1
        return self.sentences[position] if position >= 0 else None

    def covering(self, start: int, end: int) -> list[Sentence]:
        """Every sentence overlapping [start, end)."""
        first = max(0, bisect.bisect_right(self._starts, start) - 1)
        out: list[Sentence] = []
        for sentence in self.sentences[first:]:
            if sentence.start >= end and out:
                break
            if sentence.end > start:
                out.append(sentence)
        return out


def phrase_alternation(phrases: list[str]) -> str:
    """A regex for any of the phrases (a space matches any whitespace), longest first, as a trie.

    It matches what the plain alternation of the phrases sorted longest first matches, at the same
    places: among phrases that match at one offset each is a prefix of the longer ones, and the trie
    tries the longer continuation before stopping. A regex engine tries a plain alternation's ~180
    cue verbs one by one at every word; the trie reads each character once.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    """The regex of one trie node: its branches, optional when a phrase also ends here."""
    branches = [(r"\s+" if char == " " else re.escape(char)) + _trie_pattern(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def slugify(value: str) -> str:
    """Lowercase ASCII slug: 'Vladimir Putin' -> 'vladimir-putin', 'U.S.' -> 'us'."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    ascii_text = re.sub(r"['’.]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
