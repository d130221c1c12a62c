"""Calendar words, defined once: month and weekday names with their abbreviations, number words.

The time-expression rules (deadlines.py) build their patterns from these tables and the sentence
splitter (text.py) takes the month abbreviations that may end a sentence ("... due in Jan. The ...")
from them, so a spelling added here is known to both.
"""

from __future__ import annotations

# Month names and the abbreviations news wire uses ("Sept.", "Jan."); keys are lower case, no period.
MONTHS: dict[str, int] = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
# The abbreviations among them (a period after one need not end a sentence).
MONTH_ABBREVIATIONS: frozenset[str] = frozenset(
    name for name in MONTHS if len(name) <= 4 and name not in ("may", "june", "july")
)
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
# Small counts in words, as in "three weeks", "a couple of years"; "few" and "several" are vague.
NUMBERS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "couple of": 2,
}
VAGUE_NUMBERS: frozenset[str] = frozenset({"few", "several", "many", "some"})


def month_pattern() -> str:
    """A regex for a month name or abbreviation, in the capitalisation news text uses."""
    full = sorted({name for name in MONTHS if name not in MONTH_ABBREVIATIONS}, key=len, reverse=True)
    abbreviations = sorted(MONTH_ABBREVIATIONS, key=len, reverse=True)
    names = "|".join(name.capitalize() for name in full)
    short = "|".join(rf"{name.capitalize()}\.?" for name in abbreviations)
    return rf"(?>{names}|{short})(?![a-z])"


def weekday_pattern() -> str:
    """A regex for a weekday name, capitalised."""
    return "(?:" + "|".join(name.capitalize() for name in WEEKDAYS) + ")"
