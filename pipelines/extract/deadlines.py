"""Time expressions: dates, ranges, weekdays, relative and vague horizons, resolved to date ranges.

Every expression resolves against the article's publication date (in the article's own time zone
when the caller gives one), never the wall clock:

- a date without a year takes the year that puts it nearest the publication date, leaning to the
  future for future-tense clauses and to the past for past-tense ones ("Jan. 10" in a December
  article is next year; "Dec. 3" in a Dec. 30 article is this year, and past);
- a weekday is the nearest matching day, today included, in the direction of the clause's tense;
- "next week", "later in the week", "within days", "in the next 24 to 48 hours", "next month",
  "mid-February", "by the end of January", "late January or February", "in March or April", "this
  spring", "before the spring thaw", "in two weeks", "four days later", "two days after ..." become
  ranges with a precision (day, week, month, season, year); a fiscal quarter ("the third quarter",
  "fourth-quarter", "the first quarter of 1990") is three months at the precision of a season.

Tense comes from the words left of the expression in its clause, then from the sentence's previous
expression ("to Kyiv on Monday and to Moscow on Tuesday"), then from its right, then from the nearest
marker in the sentence (never across "before flying ..."); present-tense schedules ("talks open on
Monday") are future. Each expression carries the nearest event noun of its clause (talks, meeting,
summit, call...) and the nearest city that is a place there (not "Moscow says"), except when it dates
a statement ("said on Friday"); a status cue from the sentence (cancelled, postponed, confirmed, else
scheduled; a cue inside a condition does not count); and whether it lies ahead of publication.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.extract.actors import is_agent_use
from pipelines.extract.text import Sentence

# Bump when the time-expression resolution rules change: the extract stage re-reads what this extractor wrote.
RULES_VERSION = "5"


@dataclass(frozen=True)
class TimeExpression:
    """A dated or datable reference, resolved to [due_start, due_end]."""

    surface: str
    due_start: date
    due_end: date
    precision: str
    is_future: bool
    event_label: str | None
    location: str | None
    status_cue: str
    start_char: int
    end_char: int
    sentence: str


_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "fall": (9, 11), "autumn": (9, 11), "winter": (12, 2)}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "few": 3, "several": 5, "couple of": 2}

_M = (r"(?>Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June|Jun\.?|July|Jul\.?|"
      r"Aug(?:ust|\.)?|Sep(?:tember|t\.|\.|t)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)(?![a-z])")
_D = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
_Y = r"(?:19|20)\d\d"
_WD = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DASH = r"\s*[-–—]\s*"
_PART = r"(?i:early|mid|late|end\s+of|the\s+end\s+of|beginning\s+of|start\s+of|middle\s+of)"
_MONTH_PREP = r"(?i:in|by|until|till|since|during|through|before|after|from|of|for|this|next|last|early|late)"
_NUM = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|several|couple\s+of|\d{1,2})"


def _g(name: str, body: str) -> str:
    """A named regex group."""
    return f"(?P<{name}>{body})"


# Each rule: (kind, compiled pattern). Tried together; the earliest and then longest match wins.
_RULES: list[tuple[str, re.Pattern]] = [
    ("range_from", re.compile(
        rf"\b(?:from|between)\s+{_g('m1', _M)}\s+{_g('d1', _D)}\s+(?:to|until|through|and|till)\s+"
        rf"(?:{_g('m2', _M)}\s+)?{_g('d2', _D)}(?:,?\s+{_g('y', _Y)})?")),
    ("range_dash", re.compile(
        rf"\b{_g('m1', _M)}\s+{_g('d1', _D)}(?:{_DASH}|\s+(?:to|through|until)\s+)"
        rf"(?:{_g('m2', _M)}\s+)?{_g('d2', _D)}(?:,?\s+{_g('y', _Y)})?")),
    ("range_and", re.compile(
        rf"\b{_g('m1', _M)}\s+{_g('d1', _D)}\s+and\s+{_g('d2', _D)}(?!\s*{_M})(?:,?\s+{_g('y', _Y)})?")),
    ("range_dmy", re.compile(
        rf"\b{_g('d1', _D)}(?:{_DASH}|\s+(?:to|and)\s+){_g('d2', _D)}\s+{_g('m1', _M)}(?:,?\s+{_g('y', _Y)})?")),
    ("iso", re.compile(r"\b(?P<y>20\d\d)-(?P<mo>[01]\d)-(?P<d1>[0-3]\d)\b")),
    ("date_mdy", re.compile(
        rf"(?:\b{_g('wd', _WD)},?\s+)?\b{_g('m1', _M)}\s+{_g('d1', _D)}(?:,?\s+{_g('y', _Y)})?")),
    ("date_dmy", re.compile(
        rf"(?:\b{_g('wd', _WD)},?\s+)?\b{_g('d1', _D)}\s+(?:of\s+)?{_g('m1', _M)}(?:,?\s+{_g('y', _Y)})?")),
    ("month_part", re.compile(
        rf"(?i:\b(?:by|before|until|till|toward|towards)\s+)?"
        rf"(?i:the\s+)?{_g('part', _PART)}"
        rf"(?:\s+|-){_g('m1', _M)}"
        rf"(?:\s+or\s+(?:{_g('part2', _PART)}(?:\s+|-))?{_g('m2', _M)}(?!\s+\d))?(?:,?\s+{_g('y', _Y)})?")),
    ("month_or", re.compile(
        rf"\b(?:in|by|until|between)\s+{_g('m1', _M)}\s+(?:or|and)\s+{_g('m2', _M)}(?:\s+{_g('y', _Y)})?")),
    ("month", re.compile(
        rf"\b{_g('prep', _MONTH_PREP)}\s+"
        rf"{_g('m1', _M)}(?:,?\s+{_g('y', _Y)})?(?!\s+\d)")),
    ("month_year", re.compile(rf"\b{_g('m1', _M)},?\s+{_g('y', _Y)}")),
    ("ordinal_day", re.compile(
        r"\b(?:to|for|on|until|by|from|before|after)\s+the\s+(?P<d1>[12]\d|3[01]|[1-9])(?:st|nd|rd|th)\b")),
    ("weekday", re.compile(
        rf"(?:\b(?P<wprep>(?i:on|this|next|last|by|until|since|late|early|before|after))\s+)?"
        rf"\b{_g('wd', _WD)}(?!,?\s+{_M}\s+\d|,?\s+\d{{1,2}}(?:st|nd|rd|th)?\s+{_M})"
        rf"(?:\s+(?:morning|afternoon|evening|night))?")),
    ("spring_thaw", re.compile(r"(?i:\b(?:before|by|until|after|with)\s+)?(?i:the\s+)?(?i:spring\s+thaw)")),
    ("season", re.compile(
        r"(?i:\b(?P<sprep>this|next|last|in\s+the|by\s+the|before\s+the|until\s+the|early|late|in|by)\s+)"
        r"(?:(?P<spart>(?i:early|late))\s+)?(?P<season>(?i:spring|summer|autumn|fall|winter))(?!\s+(?:of|at)\s+(?!\d))"
        rf"(?:\s+(?:of\s+)?{_g('y', _Y)})?")),
    ("offset", re.compile(
        rf"(?i)\b(?P<n>{_NUM})\s+(?P<unit>days?|weeks?)\s+(?P<dir>later|earlier|after|before)\b")),
    ("next_hours", re.compile(
        r"(?i)\b(?:in|within|over)\s+the\s+(?:next|coming)\s+(?P<n>\d{1,3})(?:\s*(?:to|or|-|–)\s*(?P<n2>\d{1,3}))?"
        r"\s+(?P<unit>hours|days|weeks)\b")),
    ("relative", re.compile(
        r"(?i)\b(?P<rel>today|tonight|tomorrow|yesterday|this\s+weekend|next\s+weekend|last\s+weekend|"
        r"the\s+(?:next|following)\s+day|a\s+day\s+later|the\s+day\s+after|the\s+following\s+week|"
        r"(?:early|late|later|earlier)\s+next\s+week|(?:early|late)\s+last\s+week|"
        r"(?:later|earlier)\s+(?:in|this)\s+(?:the\s+)?week|(?:later|earlier)\s+this\s+month|"
        r"(?:later|earlier)\s+this\s+year|(?:early|late)\s+next\s+(?:month|year)|"
        r"the\s+end\s+of\s+(?:the|this|next)\s+(?:week|month|year)|"
        r"(?:this|next|last)\s+(?:week|month|year)|"
        r"(?:in|within|over)\s+the\s+(?:next|coming|following)\s+(?:few\s+|couple\s+of\s+)?"
        r"(?:days|weeks|months|month|week)|"
        r"in\s+the\s+days\s+ahead|in\s+the\s+weeks\s+ahead|in\s+the\s+coming\s+days|"
        r"within\s+(?:days|weeks|hours|months|a\s+week|a\s+month|a\s+day)|"
        rf"(?:in|within)\s+(?P<n>{_NUM})\s+(?P<unit>hours?|days?|weeks?|months?))\b")),
    ("year", re.compile(rf"(?i:\b(?:in|by|until|since|during|before|after|through)\s+){_g('y', _Y)}\b")),
    ("quarter", re.compile(
        rf"(?i:\b(?:the\s+)?(?:{_g('qy', _Y)}(?:['’]s)?\s+)?(?:fiscal\s+)?"
        rf"(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[-\s]+quarter\b"
        rf"(?:\s+of\s+(?:fiscal\s+)?{_g('y', _Y)}\b)?)")),
]
_QUARTERS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

_EVENTS: list[tuple[str, str]] = [
    ("talks", r"talks|talk|negotiations|negotiate|consultations|dialogue"),
    ("summit", r"summit"),
    ("call", r"(?:phone|video|telephone)\s+call|call|calls|conversation|spoke|speak|speaks"),
    ("council", r"council"),
    ("meeting", r"meeting|meetings|meet|meets|met|session|sit\s+down"),
    ("vote", r"vote|referendum|election"),
    ("deadline", r"deadline|ultimatum"),
    ("exercises", r"exercises|drills|maneuvers|manoeuvres|war\s+games"),
    ("visit", r"visit|visits|visited|trip|travel|travels|traveled|travelled"),
    ("response", r"answers|answer|response|responses|reply|replies|counterproposals?|written\s+\w+|in\s+writing"),
    ("invasion", r"invasion|invade|invading|incursion|offensive|attack"),
    ("sanctions", r"sanctions"),
    ("conference", r"conference"),
    ("ceasefire", r"ceasefire|cease-fire|truce"),
]
_EVENT_RE = re.compile(r"(?i)\b(?:" + "|".join(f"(?P<{label}>{body})" for label, body in _EVENTS) + r")\b")
_CITIES = {
    "Geneva": "Geneva", "Brussels": "Brussels", "Vienna": "Vienna", "Moscow": "Moscow", "Kyiv": "Kyiv",
    "Kiev": "Kyiv", "Paris": "Paris", "Berlin": "Berlin", "Washington": "Washington", "Minsk": "Minsk",
    "Munich": "Munich", "London": "London", "Beijing": "Beijing", "Warsaw": "Warsaw", "Sochi": "Sochi",
    "Helsinki": "Helsinki", "Rome": "Rome", "Stockholm": "Stockholm", "Istanbul": "Istanbul",
    "Ankara": "Ankara", "Bucharest": "Bucharest", "Riga": "Riga", "Vilnius": "Vilnius", "Tallinn": "Tallinn",
    "Kharkiv": "Kharkiv", "Lviv": "Lviv", "Odesa": "Odesa", "Odessa": "Odesa", "Mariupol": "Mariupol",
    "Donetsk": "Donetsk", "Luhansk": "Luhansk", "Antalya": "Antalya", "Madrid": "Madrid", "Rostov": "Rostov",
}
_CITY_RE = re.compile(  # not "Washington Post", "Minsk Protocol", "Geneva Convention"
    r"\b(?:" + "|".join(_CITIES) + r")\b(?![\w\-])"
    r"(?!\s+(?:Post|Times|Conventions?|Protocols?|Accords?|Agreements?|Memorandum|Format|Group))"
)
_STATUS_RULES = [
    ("cancelled", re.compile(
        r"(?i)\b(?:cancel(?:l?ed|s|ling)?|called\s+off|call\s+off|calls\s+off|scrapped|scraps|scrap|"
        r"(?:will|would)\s+not\s+(?:take\s+place|go\s+ahead)|won['’]t\s+(?:take\s+place|go\s+ahead)|"
        r"shelved|abandoned)\b")),
    ("postponed", re.compile(r"(?i)\b(?:postpone[sd]?|postponing|moved\s+(?:to|back|up)|pushed\s+back|push\s+back|"
                             r"delay(?:ed|s)?|rescheduled|put\s+off|moved\s+forward|shifted\s+to|pushed\s+to)\b")),
    ("confirmed", re.compile(r"(?i)\b(?:confirm(?:ed|s)?|reaffirmed)\b")),
]
_FUTURE_WORDS = frozenset(
    "will 'll shall would going scheduled slated set due planned plans plan expected upcoming next "
    "coming proposes propose intends intend hopes hope aims moved postponed "
    "rescheduled pushed delayed shifted".split()
)
_PAST_WORDS = frozenset(
    "was were had did spoke met held took began begun gave sent made came went left saw said told "
    "flew ran rang wrote spent sat stood fell rose led brought bought thought found lost won got "
    "ago earlier".split()
)
_NOT_PAST_ED = frozenset({"scheduled", "planned", "expected", "slated", "set", "postponed", "delayed",
                          "moved", "rescheduled", "pushed", "shifted", "confirmed", "called", "cancelled",
                          "canceled", "intended", "needed", "invited", "required", "based", "supposed",
                          "determined", "prepared", "concerned", "aimed", "designed", "united"})
# Present-tense verbs of a schedule: "talks open on Monday", "the delegation flies to Geneva on Sunday".
_SCHEDULE_VERBS = frozenset(
    "open opens begin begins start starts meet meets resume resumes hold holds arrive arrives fly flies "
    "travel travels visit visits head heads go goes end ends run runs convene convenes gather gathers "
    "return returns leave leaves continue continues likely unlikely could might may ready".split()
)
# A verb right before the expression's preposition: "confirmed on Thursday", "met late on Friday".
_PAST_BEFORE_RE = re.compile(
    r"\b([a-z]{3,}ed|met|held|spoke|said|told|began|took|gave|sent|flew|wrote)\s+(?:(?:late|early)\s+)?$")
# Expressions that look ahead whatever the verb: "within days", "in the coming weeks", "by the end of".
_COUNTED_BEFORE_RE = re.compile(r"(?i)\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many|few)"
                                r"\s+[a-z\-]+s\s+$")
_FORWARD_BEFORE_RE = re.compile(r"(?i)\b(?:by|before|until|within)\s+$")
_FORWARD_RE = re.compile(r"(?i)\b(?:within|coming|later\s+this|by|before|until|ahead|in\s+the\s+next)\b")
# A speech verb just before the expression: it dates the statement ("said on Friday").
_SPEECH_BEFORE_RE = re.compile(
    r"\b(?:said|says|told\s+(?:reporters|journalists|lawmakers|senators|[\w.\-]+(?:\s+[\w.\-]+)?)|announced|"
    r"warned|added|confirmed|declared|insisted|wrote|stressed|urged|demanded|accused|denied|recalled|"
    r"argued|pledged|promised|published|released)\s+(?:(?:late|early)\s+)?$")
_NONFINITE_RE = re.compile(r"\b(?:before|after|while|when|without|since)\s+[a-z]+ing\b", re.IGNORECASE)
_CONDITION_BEFORE_RE = re.compile(r"\b(?:if|whether|unless|once|until)\b[^,;]{0,25}$", re.IGNORECASE)
_LABEL_BREAK_RE = re.compile(r"[,;:()—–]|\bfollowed\s+by\b|\bafter\b|\bbefore\b|\bwhile\b|\band\b|\bthat\b")
# Beyond these an event or a place belongs to another statement ("…; U.S. to send ideas next week").
_HARD_BREAK_RE = re.compile(r"[;:]")
_THAT_RE = re.compile(r"\bthat\b")
_WORD_RE = re.compile(r"[A-Za-z']+")
_CLAUSE_BREAK_RE = re.compile(r"[,;:()—–]|\bthat\b|\bwhile\b|\bbut\b|\band\b(?=\s+(?:the|a|an)\b)")


def find_time_expressions(text: str, sentences: list[Sentence], published_at: datetime) -> list[TimeExpression]:
    """Find and resolve every time expression in the text, with its event, place and status."""
    published = published_at.date()
    found: list[TimeExpression] = []
    last_month: tuple[int, int] | None = None  # (year, month) of the last absolute date, for "the 12th"
    anchor: date | None = None  # the last day named so far, for "later in the week", "the next day"
    for sentence in sentences:
        local_anchor: date | None = None  # the last day named in this sentence, for "four days later"
        previous_tense: str | None = None  # the tense of the sentence's previous expression
        matches = _matches(sentence.text)
        if not matches:
            continue
        events = _event_hits(sentence.text)
        places = _place_hits(text, sentence)
        status = _status(sentence.text)
        for kind, match in matches:
            start, end = sentence.start + match.start(), sentence.start + match.end()
            tense = _tense(sentence.text, match.start(), match.end(), previous_tense)
            resolved = _resolve(kind, match, published, tense, last_month, anchor, local_anchor)
            if resolved is None:
                continue
            due_start, due_end, precision = resolved
            if kind in ("date_mdy", "date_dmy", "range_from", "range_dash", "range_dmy", "range_and", "iso",
                        "ordinal_day"):
                last_month = (due_start.year, due_start.month)
            if precision == "day":
                anchor = local_anchor = due_start
            previous_tense = tense or previous_tense
            if due_start > published:
                is_future = True
            elif due_end < published:
                is_future = False
            elif (kind in ("next_hours", "offset") or _FORWARD_RE.search(match.group())
                  or _FORWARD_BEFORE_RE.search(sentence.text, max(0, match.start() - 10), match.start())):
                is_future = True  # "within days", "in the coming weeks", "by the end of January"
            else:
                is_future = tense != "past"
            dates_speech = bool(_SPEECH_BEFORE_RE.search(sentence.text, max(0, match.start() - 40), match.start()))
            found.append(TimeExpression(
                surface=text[start:end],
                due_start=due_start,
                due_end=due_end,
                precision=precision,
                is_future=is_future,
                # "said on Friday" dates the saying, not an event
                event_label=None if dates_speech else _event_label(sentence.text, match.start(), match.end(), events),
                location=None if dates_speech else _location(sentence.text, match.start(), match.end(), places),
                status_cue=status,
                start_char=start,
                end_char=end,
                sentence=sentence.text,
            ))
    return found


def _matches(sentence: str) -> list[tuple[str, re.Match]]:
    """Every rule's matches, reduced to non-overlapping ones (earliest, then longest, then rule order)."""
    candidates = []
    for order, (kind, pattern) in enumerate(_RULES):
        for match in pattern.finditer(sentence):
            if match.end() > match.start():
                candidates.append((match.start(), -(match.end() - match.start()), order, kind, match))
    chosen: list[tuple[str, re.Match]] = []
    taken_until = -1
    for start, _, _, kind, match in sorted(candidates, key=lambda c: c[:3]):
        if start >= taken_until:
            chosen.append((kind, match))
            taken_until = match.end()
    return chosen


# --- resolution -----------------------------------------------------------------------------------


def _resolve(kind: str, m: re.Match, published: date, tense: str | None, last_month: tuple[int, int] | None,
             anchor: date | None, local_anchor: date | None = None) -> tuple[date, date, str] | None:
    """Turn one match into (due_start, due_end, precision), or None when it is not a date."""
    groups = m.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if kind in ("date_mdy", "date_dmy"):
        month, day = _month(groups["m1"]), _day(groups["d1"])
        when = _day_date(year, month, day, published, tense)
        return (when, when, "day") if when else None
    if kind == "iso":
        try:
            when = date(int(groups["y"]), int(groups["mo"]), int(groups["d1"]))
        except ValueError:
            return None
        return when, when, "day"
    if kind in ("range_from", "range_dash", "range_dmy", "range_and"):
        month1 = _month(groups["m1"])
        month2 = _month(groups["m2"]) if groups.get("m2") else month1
        first = _day_date(year, month1, _day(groups["d1"]), published, tense)
        if first is None:
            return None
        second_year = first.year + (1 if month2 < month1 else 0)
        try:
            second = date(second_year, month2, _day(groups["d2"]))
        except ValueError:
            return None
        if kind == "range_and" and (second - first).days > 3:
            return first, first, "day"  # "on Jan. 10 and 20": two days apart are two events; keep the first
        return (first, second, "day") if second >= first else None
    if kind == "offset":
        return _offset(groups, local_anchor)
    if kind == "next_hours":
        count = int(groups["n2"] or groups["n"])
        unit = groups["unit"].lower()
        days = -(-count // 24) if unit == "hours" else count * (7 if unit == "weeks" else 1)
        precision = "day" if unit == "hours" else "week" if days <= 14 else "month"
        return published, published + timedelta(days=days), precision
    if kind == "ordinal_day":
        day = _day(groups["d1"])
        if last_month:
            try:
                when = date(last_month[0], last_month[1], day)
            except ValueError:
                return None
        else:
            when = _day_in_nearby_month(day, published, tense)
        return (when, when, "day") if when else None
    if kind == "month_part":
        month = _month(groups["m1"])
        year = year or _month_year(month, published, tense)
        start, end = _part_window(groups["part"], year, month)
        if groups.get("m2"):  # "late January or February": from the first window to the end of the second
            month2 = _month(groups["m2"])
            year2 = year + (1 if month2 < month else 0)
            end = _part_window(groups["part2"], year2, month2)[1] if groups.get("part2") else _month_end(year2, month2)
        return start, end, "month"
    if kind == "month_or":
        month1, month2 = _month(groups["m1"]), _month(groups["m2"])
        year1 = year or _month_year(month1, published, tense)
        year2 = year1 + (1 if month2 < month1 else 0)
        return date(year1, month1, 1), _month_end(year2, month2), "month"
    if kind in ("month", "month_year"):
        month = _month(groups["m1"])
        prep = (groups.get("prep") or "").lower()
        if year is None:
            if prep == "next":
                year = published.year + (1 if month <= published.month else 0)
            elif prep == "last":
                year = published.year - (1 if month >= published.month else 0)
            else:
                year = _month_year(month, published, tense)
        if prep == "early":
            return date(year, month, 1), date(year, month, 10), "month"
        if prep == "late":
            return date(year, month, 21), _month_end(year, month), "month"
        return date(year, month, 1), _month_end(year, month), "month"
    if kind == "weekday":
        return _weekday(groups["wd"], (groups.get("wprep") or "").lower(), published, tense)
    if kind == "spring_thaw":
        year = published.year + (1 if published.month > 3 else 0)
        return date(year, 3, 1), date(year, 3, 31), "season"
    if kind == "season":
        season = groups["season"]
        if season[0].isupper() and re.match(r"[^\S\n]+[A-Z]", m.string[m.end("season"):]):
            return None  # "the Winter Olympics": a name, not a season
        return _season(groups, published, year)
    if kind == "relative":
        if groups.get("unit") and _COUNTED_BEFORE_RE.search(m.string, max(0, m.start() - 30), m.start()):
            return None  # "three meetings in four days": a duration, not a date
        return _relative(groups, published, anchor)
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31), "year"
    if kind == "quarter":
        return _quarter(groups, published, tense)
    return None


def _quarter(groups: dict, published: date, tense: str | None) -> tuple[date, date, str]:
    """'the third quarter', 'fourth-quarter', 'the first quarter of 1990': three months, at the
    precision of a season (the contract's three-month span). Without a year, this year's when it has
    begun or the clause is not past tense, else last year's."""
    number = _QUARTERS[groups["q"].lower()]
    year = int(groups.get("y") or groups.get("qy") or 0)
    if not year:
        current = (published.month - 1) // 3 + 1
        year = published.year if number <= current or tense != "past" else published.year - 1
    first = 3 * (number - 1) + 1
    return date(year, first, 1), _month_end(year, first + 2), "season"


def _part_window(part: str, year: int, month: int) -> tuple[date, date]:
    """Days 1-10, 11-20 or 21-end of a month for early, mid and late (and the end of) it."""
    part = re.sub(r"\s+", " ", part.lower())
    if part in ("early", "beginning of", "start of"):
        return date(year, month, 1), date(year, month, 10)
    if part in ("mid", "middle of"):
        return date(year, month, 11), date(year, month, 20)
    return date(year, month, 21), _month_end(year, month)


def _offset(groups: dict, anchor: date | None) -> tuple[date, date, str] | None:
    """'four days later' (after the day named before it in the sentence), 'two days after …' (the
    thing after which came N days before that day), 'a week earlier'."""
    if anchor is None:
        return None
    count = _NUMBERS.get(groups["n"].lower()) or int(groups["n"])
    days = count * (7 if groups["unit"].lower().startswith("week") else 1)
    sign = 1 if groups["dir"].lower() in ("later", "before") else -1
    when = anchor + timedelta(days=sign * days)
    return when, when, "day" if days < 7 else "week"


def _month(token: str) -> int:
    """Month number of a month name or abbreviation."""
    return _MONTHS[token.rstrip(".").lower()]


def _day(token: str) -> int:
    """Day number of '10' or '10th'."""
    return int(re.match(r"\d+", token).group())


def _month_end(year: int, month: int) -> date:
    """Last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def _day_date(year: int | None, month: int, day: int, published: date, tense: str | None) -> date | None:
    """A month-day date: with its year, or the year nearest publication leaning to the tense."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    options = []
    for candidate_year in (published.year - 1, published.year, published.year + 1):
        try:
            options.append(date(candidate_year, month, day))
        except ValueError:
            continue
    if not options:
        return None
    if tense == "future":
        ahead = [o for o in options if o >= published and (o - published).days < 183]
        if ahead:
            return ahead[0]
    if tense == "past":
        behind = [o for o in options if o <= published and (published - o).days < 183]
        if behind:
            return behind[-1]
    return min(options, key=lambda o: (abs((o - published).days), o < published))


def _day_in_nearby_month(day: int, published: date, tense: str | None) -> date | None:
    """'the 12th' with no month around: this month's or the next month's, by tense."""
    options = []
    for offset in (-1, 0, 1):
        month_index = published.year * 12 + published.month - 1 + offset
        try:
            options.append(date(month_index // 12, month_index % 12 + 1, day))
        except ValueError:
            continue
    if tense == "past":
        options = [o for o in options if o <= published] or options
    elif tense == "future":
        options = [o for o in options if o >= published] or options
    return min(options, key=lambda o: abs((o - published).days)) if options else None


def _month_year(month: int, published: date, tense: str | None) -> int:
    """The year of a bare month: nearest to publication, leaning to the tense."""
    delta = month - published.month
    if tense == "future" and delta < 0:
        return published.year + 1
    if tense == "past" and delta > 0:
        return published.year - 1
    if delta > 6:
        return published.year - 1
    if delta < -5:
        return published.year + 1
    return published.year


def _weekday(name: str, prep: str, published: date, tense: str | None) -> tuple[date, date, str]:
    """A weekday: the nearest matching day in the direction of the tense (or of 'next'/'last')."""
    target = _WEEKDAYS[name.lower()]
    ahead = (target - published.weekday()) % 7
    behind = (published.weekday() - target) % 7
    if prep == "next":  # "next Friday": the Friday of next week
        when = published - timedelta(days=published.weekday()) + timedelta(days=7 + target)
    elif prep in ("last", "since"):
        when = published - timedelta(days=behind or 7)
    elif prep == "this":
        when = published - timedelta(days=published.weekday()) + timedelta(days=target)
    elif tense == "future" or prep in ("by", "until", "before"):
        when = published + timedelta(days=ahead)
    elif tense == "past":
        when = published - timedelta(days=behind)
    else:
        when = published + timedelta(days=ahead) if ahead <= behind else published - timedelta(days=behind)
    return when, when, "day"


def _season(groups: dict, published: date, year: int | None) -> tuple[date, date, str]:
    """A season ('this spring', 'next winter', 'early summer') as a date range."""
    name = groups["season"].lower()
    first_month, last_month = _SEASONS[name]
    prep = re.sub(r"\s+", " ", (groups.get("sprep") or "").lower())

    def span(start_year: int) -> tuple[date, date]:
        """The season starting in start_year (winter runs into the next year)."""
        end_year = start_year + (1 if last_month < first_month else 0)
        return date(start_year, first_month, 1), _month_end(end_year, last_month)

    if year is not None:
        start, end = span(year)
    else:
        current = None
        for start_year in (published.year - 1, published.year, published.year + 1):
            start, end = span(start_year)
            if start <= published <= end:
                current = (start, end)
        upcoming = next(span(y) for y in (published.year - 1, published.year, published.year + 1)
                        if span(y)[0] > published)
        if prep == "next":
            start, end = upcoming
        elif prep == "last":
            start, end = next(span(y) for y in range(published.year + 1, published.year - 3, -1)
                              if span(y)[1] < published)
        else:
            start, end = current or upcoming
    part = (groups.get("spart") or "").lower() or (prep if prep in ("early", "late") else "")
    if part == "early":
        end = _month_end(start.year, start.month)
    elif part == "late":
        start = date(end.year, end.month, 1)
    return start, end, "season"


def _relative(groups: dict, published: date, anchor: date | None) -> tuple[date, date, str] | None:
    """Relative horizons: today, next week, later in the week, within days, next month...

    "later in the week", "the next day" and "the following week" count from the last day named
    in the same sentence ("talks open on Monday and move to Vienna later in the week"), else from
    publication.
    """
    rel = re.sub(r"\s+", " ", groups["rel"].lower())
    near = anchor is not None and published <= anchor <= published + timedelta(days=10)
    base = anchor if near else published
    if rel in ("the next day", "the following day", "a day later", "the day after"):
        day = (anchor or published) + timedelta(days=1)
        return day, day, "day"
    if rel == "the following week":
        monday = (anchor or published) - timedelta(days=(anchor or published).weekday()) + timedelta(days=7)
        return monday, monday + timedelta(days=6), "week"
    if re.match(r"later (?:in|this) (?:the )?week", rel):
        sunday = base + timedelta(days=6 - base.weekday())
        return min(base + timedelta(days=1), sunday), sunday, "week"
    week_start = published - timedelta(days=published.weekday())
    week_end = week_start + timedelta(days=6)
    month_end = _month_end(published.year, published.month)
    next_month_start = month_end + timedelta(days=1)
    one_day = timedelta(days=1)
    if rel in ("today", "tonight"):
        return published, published, "day"
    if rel == "tomorrow":
        return published + one_day, published + one_day, "day"
    if rel == "yesterday":
        return published - one_day, published - one_day, "day"
    if rel in ("this weekend", "next weekend", "last weekend"):
        shift = 7 if rel.startswith("next") else -7 if rel.startswith("last") else 0
        saturday = week_start + timedelta(days=5 + shift)
        return saturday, saturday + one_day, "day"
    if rel.endswith("next week"):
        start = week_start + timedelta(days=7)
        if rel.startswith("early"):
            return start, start + timedelta(days=2), "week"
        if rel.startswith(("late", "later")):
            return start + timedelta(days=3), start + timedelta(days=6), "week"
        return start, start + timedelta(days=6), "week"
    if rel.endswith("last week"):
        start = week_start - timedelta(days=7)
        if rel.startswith("early"):
            return start, start + timedelta(days=2), "week"
        if rel.startswith("late"):
            return start + timedelta(days=3), start + timedelta(days=6), "week"
        return start, start + timedelta(days=6), "week"
    if re.match(r"earlier (?:in|this) (?:the )?week", rel):
        return week_start, max(published - one_day, week_start), "week"
    if rel == "this week":
        return week_start, week_end, "week"
    if rel.startswith("the end of"):
        unit = rel.split()[-1]
        which = rel.split()[-2]
        if unit == "week":
            friday = week_start + timedelta(days=4 + (7 if which == "next" else 0))
            return friday, friday + timedelta(days=2), "week"
        if unit == "month":
            base = next_month_start if which == "next" else published
            end = _month_end(base.year, base.month)
            return date(end.year, end.month, 21), end, "month"
        target = published.year + (1 if which == "next" else 0)
        return date(target, 12, 1), date(target, 12, 31), "month"
    if rel == "later this month":
        return min(published + one_day, month_end), month_end, "month"
    if rel == "earlier this month":
        return date(published.year, published.month, 1), published, "month"
    if rel == "this month":
        return date(published.year, published.month, 1), month_end, "month"
    if rel.endswith("next month"):
        end = _month_end(next_month_start.year, next_month_start.month)
        if rel.startswith("early"):
            return next_month_start, next_month_start + timedelta(days=9), "month"
        if rel.startswith("late"):
            return date(end.year, end.month, 21), end, "month"
        return next_month_start, end, "month"
    if rel == "last month":
        end = date(published.year, published.month, 1) - one_day
        return date(end.year, end.month, 1), end, "month"
    if rel.endswith("this year"):
        if rel.startswith("later"):
            return published + one_day, date(published.year, 12, 31), "year"
        if rel.startswith("earlier"):
            return date(published.year, 1, 1), published, "year"
        return date(published.year, 1, 1), date(published.year, 12, 31), "year"
    if rel.endswith("next year"):
        target = published.year + 1
        if rel.startswith("early"):
            return date(target, 1, 1), date(target, 4, 30), "year"
        if rel.startswith("late"):
            return date(target, 9, 1), date(target, 12, 31), "year"
        return date(target, 1, 1), date(target, 12, 31), "year"
    if rel == "last year":
        return date(published.year - 1, 1, 1), date(published.year - 1, 12, 31), "year"
    if groups.get("unit"):
        count = _NUMBERS.get(re.sub(r"\s+", " ", groups["n"].lower())) or int(groups["n"])
        unit = groups["unit"].lower().rstrip("s")
        days = {"hour": 0, "day": 1, "week": 7, "month": 30}[unit] * count
        if unit == "hour":
            days = max(1, count // 24 + (1 if count % 24 else 0))
        precision = {"hour": "day", "day": "day", "week": "week", "month": "month"}[unit]
        if rel.startswith("within"):
            return published, published + timedelta(days=days), precision
        if unit == "week":  # "in two weeks": about then, give or take half a week
            middle = published + timedelta(days=days)
            return middle - timedelta(days=3), middle + timedelta(days=3), precision
        if unit == "month":  # "in two months": that calendar month
            index = published.year * 12 + published.month - 1 + count
            return date(index // 12, index % 12 + 1, 1), _month_end(index // 12, index % 12 + 1), precision
        return published + timedelta(days=days), published + timedelta(days=days), precision
    # vague horizons: within days, the coming weeks, the next month...
    if "hours" in rel or "a day" in rel:
        return published, published + one_day, "day"
    if "days" in rel or "a week" in rel or rel.endswith(" week"):
        return published, published + timedelta(days=7), "week"
    if "weeks" in rel:
        return published, published + timedelta(days=28), "month"
    if "months" in rel:
        return published, published + timedelta(days=90), "month"
    if "month" in rel:
        return published, published + timedelta(days=31), "month"
    return None


# --- context --------------------------------------------------------------------------------------


def _tense(sentence: str, start: int, end: int, previous: str | None = None) -> str | None:
    """The tense of the clause around a time expression: 'future', 'past' or None. The words to its
    left in its clause decide first, then the tense of the sentence's previous expression ("on
    Monday and to Moscow on Tuesday"), then the words to its right in the clause, then the nearest
    marker anywhere in the sentence."""
    title_case = _is_title_case(sentence)
    left = sentence[max(0, start - 400):start]  # tense markers sit near; bounds the work on long sentences
    past_participle = _PAST_BEFORE_RE.search(left, max(0, len(left) - 40))
    if past_participle and past_participle.group(1).lower() not in _FUTURE_WORDS:
        return "past"  # "confirmed on Thursday", "met late on Friday"
    breaks = list(_CLAUSE_BREAK_RE.finditer(left)) + list(_NONFINITE_RE.finditer(left))
    clause_start = max((b.end() for b in breaks), default=0)
    left_words = _WORD_RE.findall(left[clause_start:])
    verdict = _scan(reversed(left_words[-14:]), title_case)
    if verdict:
        return verdict
    if previous:
        return previous
    right = sentence[end:end + 400]
    stop = _CLAUSE_BREAK_RE.search(right)
    verdict = _scan(_WORD_RE.findall(right[:stop.start() if stop else len(right)])[:6], title_case)
    if verdict:
        return verdict
    # the whole sentence, but not across "before flying …": a gerund's time is not its main verb's
    cut = list(_NONFINITE_RE.finditer(left))
    left = left[cut[-1].end():] if cut else left
    cut_right = _NONFINITE_RE.search(right)
    right = right[:cut_right.start()] if cut_right else right
    return _scan(reversed(_WORD_RE.findall(left)), title_case) or _scan(_WORD_RE.findall(right), title_case)


def _scan(words, title_case: bool = False) -> str | None:
    """The first tense marker among words, nearest first (scanning leftwards, 'previous' is the
    word after the current one: 'to meet on Monday' is future, 'to Kyiv' is not)."""
    previous = None
    for word in words:
        lower = word.lower()
        if lower == "to" and previous and (title_case or previous[0].islower()) \
                and previous.lower() not in ("the", "a", "an") and not previous.endswith("ed"):
            return "future"
        if lower in _FUTURE_WORDS or lower.endswith("'ll") or lower in _SCHEDULE_VERBS:
            return "future"
        if lower in _PAST_WORDS or (lower.endswith("ed") and len(lower) > 4 and lower not in _NOT_PAST_ED):
            return "past"
        previous = word
    return None


@functools.lru_cache(maxsize=64)  # asked once per time expression, of the same sentence
def _is_title_case(sentence: str) -> bool:
    """Whether a sentence is a title-case headline (capitalized verbs say nothing of tense there)."""
    long_words = [w for w in _WORD_RE.findall(sentence) if len(w) > 3]
    return len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) >= 0.8 * len(long_words)


def _event_hits(sentence: str) -> list[tuple[int, int, str]]:
    """Every event noun of a sentence: (start, end, label)."""
    return [(match.start(), match.end(), next(k for k, v in match.groupdict().items() if v))
            for match in _EVENT_RE.finditer(sentence)]


def _place_hits(text: str, sentence: Sentence) -> list[tuple[int, int, str]]:
    """Every city of a sentence that names a place, not its government: (start, end, city)."""
    return [(match.start(), match.end(), _CITIES[match.group()]) for match in _CITY_RE.finditer(sentence.text)
            if not is_agent_use(text, sentence.start + match.start(), sentence.start + match.end())]


def _event_label(sentence: str, start: int, end: int, events: list[tuple[int, int, str]]) -> str | None:
    """The event noun nearest to the time expression: in its clause (leftwards first), else the sentence."""
    return _nearest(sentence, start, end, [h for h in events if not start <= h[0] < end])


def _location(sentence: str, start: int, end: int, places: list[tuple[int, int, str]]) -> str | None:
    """The city nearest to the time expression (same preference), where it names a place."""
    return _nearest(sentence, start, end, places, reach=60)


def _nearest(sentence: str, start: int, end: int, hits: list[tuple[int, int, str]],
             reach: int | None = None) -> str | None:
    """Pick a hit between the semicolons or colons around the expression: nearest on the left within
    the clause, then on the right within it, then on the left anywhere (for places, not across a
    "that"), then on the right anywhere (within `reach` characters when given)."""
    hard_before = [m.end() for m in _HARD_BREAK_RE.finditer(sentence, 0, start)]
    hard_after = _HARD_BREAK_RE.search(sentence, end)
    floor, ceiling = (hard_before[-1] if hard_before else 0), (hard_after.start() if hard_after else len(sentence))
    hits = [h for h in hits if floor <= h[0] and h[1] <= ceiling]
    if not hits:
        return None
    breaks = [m.end() for m in _LABEL_BREAK_RE.finditer(sentence, 0, start)]
    clause_start = breaks[-1] if breaks else 0
    stop = _LABEL_BREAK_RE.search(sentence, end)
    clause_end = stop.start() if stop else len(sentence)
    left = [h for h in hits if clause_start <= h[0] and h[1] <= start]
    if left:
        return max(left, key=lambda h: h[1])[2]
    right = [h for h in hits if end <= h[0] and h[1] <= clause_end]
    if right:
        return min(right, key=lambda h: h[0])[2]
    left = [h for h in hits if h[1] <= start and not (reach and _THAT_RE.search(sentence, h[1], start))]
    if left:  # a place beyond "that" is where it was said ("told reporters in Moscow that …")
        return max(left, key=lambda h: h[1])[2]
    right = [h for h in hits if h[0] >= end and (reach is None or h[0] - end <= reach)]
    return min(right, key=lambda h: h[0])[2] if right else None


def _status(sentence: str) -> str:
    """Cancelled, postponed or confirmed from the sentence's wording (not in a condition: "if Moscow
    confirms" confirms nothing); scheduled otherwise."""
    for status, pattern in _STATUS_RULES:
        for match in pattern.finditer(sentence):
            if not _CONDITION_BEFORE_RE.search(sentence, max(0, match.start() - 30), match.start()):
                return status
    return "scheduled"
