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
  "fourth-quarter", "the first quarter of 1990") is three months at the precision of a season;
- "until then", "that year", "the following month", "the next day", "later in the week" count from the
  date named before (however far from publication; "later this week" stays in publication's week);
  "over the weekend" is the last one in a past clause, the coming one otherwise.

Tense comes from the words left of the expression in its clause, then from the sentence's previous
expression ("to Kyiv on Monday and to Moscow on Tuesday"), then from its right, then from the nearest
marker in the sentence (never across "before flying ..."); present-tense schedules ("talks open on
Monday") are future. Each expression carries the nearest event noun of its clause (talks, meeting,
summit, call...) and the nearest city that is a place there (not "Moscow says"), with the cities
coordinated with it ("to Brussels and Vienna"), except when it dates a statement ("said on Friday");
a status cue from the sentence (cancelled, postponed, confirmed, else scheduled; a cue inside a
condition does not count); and whether it lies ahead of publication.
"""


from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.extract.actors import is_agent_use
from pipelines.extract.lexicon import MONTHS, NUMBERS, WEEKDAYS, month_pattern, weekday_pattern
from pipelines.extract.text import Sentence

# Bump when the time-expression resolution rules change: the extract stage re-reads what this extractor wrote.
RULES_VERSION = "8"


@dataclass(frozen=True)
class TimeExpression:
    """A time expression: its TimeML type and value and, when it names a date, [due_start, due_end].

    Durations, sets and PRESENT/PAST/FUTURE_REF have no range (None) and, like the dated expressions
    only TimeML needs ("1997", "a year ago"), are not deadline candidates."""

    surface: str
    due_start: date | None
    due_end: date | None
    precision: str
    is_future: bool
    event_label: str | None
    location: str | None
    status_cue: str
    start_char: int
    end_char: int
    sentence: str
    timex_type: str = "DATE"
    value: str = ""
    is_deadline_candidate: bool = True
    places: tuple[str, ...] = ()  # every city named with the location ("to Brussels and Vienna")


_SEASONS = {"spring": (3, 5), "summer": (6, 8), "fall": (9, 11), "autumn": (9, 11), "winter": (12, 2)}
_NUMBERS = {**NUMBERS, "few": 3, "several": 5}  # a guess at the span of "in a few days"

_M = month_pattern()
_D = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
_Y = r"(?:19|20)\d\d"
_WD = weekday_pattern()

_DASH = r"\s*[-–—]\s*"
_PART = r"(?i:early|mid|late|end\s+of|the\s+end\s+of|beginning\s+of|start\s+of|middle\s+of)"
_MONTH_PREP = r"(?i:in|by|until|till|since|during|through|before|after|from|of|for|this|next|last|early|late)"
_DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
                 "eighties": 8, "nineties": 9}
_PLURAL_UNITS = ("years", "decades", "months", "weeks", "centuries")
_NUM = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|several|couple\s+of|\d{1,2})"


def _g(name: str, body: str) -> str:
    """A named regex group."""
    return f"(?P<{name}>{body})"




@dataclass
class _Context:
    """What a resolver may read besides its match: publication day, the clause's tense, and what the
    article named before (the last month of a full date, the last day, the sentence's last day, the
    last quarter or fiscal year, for "the 12th", "the next day", "four days later", "a year ago")."""

    published: date
    tense: str | None
    last_month: tuple[int, int] | None
    anchor: date | None
    local_anchor: date | None
    last_period: tuple[str, int, int] | None  # ("quarter", year, number) or ("year", year, 0)
    last_dated: _Dated | None = None  # the last dated expression of any precision, for "until then"


@dataclass(frozen=True)
class _Dated:
    """A resolved date range; type and value are written from the range unless a rule gives them."""

    start: date
    end: date
    precision: str
    timex_type: str = "DATE"
    value: str | None = None


@dataclass(frozen=True)
class _Undated:
    """A time expression with no date range: a duration, a set or a PRESENT/PAST/FUTURE_REF."""

    timex_type: str
    value: str


_Resolver = Callable[[re.Match, _Context], "_Dated | _Undated | None"]
# Each rule: (kind, compiled pattern, resolver, words). Tried together; the earliest, then longest,
# then first-defined match wins. A rule is tried only on a sentence that holds one of its words (in
# lower case): a substring test spares most of the regex scans.
_RULES: list[tuple[str, re.Pattern, _Resolver, tuple[str, ...]]] = []
_MONTH_WORDS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_UNIT_WORDS = ("year", "month", "week", "day", "hour", "minute", "decade", "centur", "quarter")
_NEEDS: dict[str, tuple[str, ...]] = {
    "range_from": _MONTH_WORDS, "range_dash": _MONTH_WORDS, "range_and": _MONTH_WORDS, "range_dmy": _MONTH_WORDS,
    "date_mdy": _MONTH_WORDS, "date_dmy": _MONTH_WORDS, "month_part": _MONTH_WORDS, "month_or": _MONTH_WORDS,
    "month": _MONTH_WORDS, "month_year": _MONTH_WORDS, "iso": ("20",), "ordinal_day": ("the",),
    "weekday": ("day",), "spring_thaw": ("thaw",), "season": ("spring", "summer", "autumn", "fall", "winter"),
    "offset": ("later", "earlier", "after", "before"), "next_hours": ("next", "coming"),
    "relative": ("today", "tonight", "tomorrow", "yesterday", "week", "day", "month", "year", "hour"),
    "year": ("19", "20"), "quarter": ("quarter",), "duration": _UNIT_WORDS, "every": ("every", "each", "per"),
    "frequency": ("ly",), "ref": ("now", "current", "present", "moment", "days", "past", "recent", "formerly",
                                  "lately", "future", "soon", "later date"),
    "part_of_day": ("morning", "afternoon", "evening", "night"), "bare_year": ("19", "20"),
    "year_part": ("19", "20"), "decade": ("0s", "0'", "0’"),
    "ago": ("ago", "earlier", "before"), "the_quarter": ("quarter", "period"), "vague_duration": _UNIT_WORDS,
    "spelled_year": ("nineteen",), "clock": ("m.", "noon", "midnight", "am", "pm"), "every_named": ("every", "each"),
    # words other rules test already: each new word costs every sentence a substring test
    "this_year": ("year",), "then": ("then", "that"), "following": ("following", "next"), "weekend": ("weekend",),
    "plural_duration": _UNIT_WORDS, "century": ("centur",), "decade_word": ("ties",),
    "part_before_day": ("morning", "afternoon", "evening"),
}


# Every rule's words, deduplicated: _matches tests each once per sentence.
_ALL_NEEDS: tuple[str, ...] = tuple(dict.fromkeys(word for words in _NEEDS.values() for word in words))


def _rule(kind: str, pattern: str) -> Callable[[_Resolver], _Resolver]:
    """Register a resolver under its pattern (defined right above it)."""
    def register(resolver: _Resolver) -> _Resolver:
        _RULES.append((kind, re.compile(pattern), resolver, _NEEDS[kind]))
        return resolver
    return register


def _year(m: re.Match) -> int | None:
    """The four-digit year the match names, if any."""
    return int(m.group("y")) if m.groupdict().get("y") else None


def _day_range(m: re.Match, c: _Context, kind: str) -> _Dated | None:
    """A range of days within a month or across two: 'Jan. 10-12', 'from Jan. 10 to Feb. 2'."""
    groups = m.groupdict()
    month1 = _month(groups["m1"])
    month2 = _month(groups["m2"]) if groups.get("m2") else month1
    first = _day_date(_year(m), month1, _day(groups["d1"]), c.published, c.tense)
    if first is None:
        return None
    try:
        second = date(first.year + (1 if month2 < month1 else 0), month2, _day(groups["d2"]))
    except ValueError:
        return None
    if kind == "range_and" and (second - first).days > 3:
        return _Dated(first, first, "day")  # "on Jan. 10 and 20": two events; keep the first
    return _Dated(first, second, "day", value=first.isoformat()) if second >= first else None


@_rule("range_from",
       rf"\b(?:from|between)\s+{_g('m1', _M)}\s+{_g('d1', _D)}\s+(?:to|until|through|and|till)\s+"
       rf"(?:{_g('m2', _M)}\s+)?{_g('d2', _D)}(?:,?\s+{_g('y', _Y)})?")
def _range_from(m: re.Match, c: _Context) -> _Dated | None:
    """'from Jan. 10 to Feb. 2'."""
    return _day_range(m, c, "range_from")


@_rule("range_dash",
       rf"\b{_g('m1', _M)}\s+{_g('d1', _D)}(?:{_DASH}|\s+(?:to|through|until)\s+)"
       rf"(?:{_g('m2', _M)}\s+)?{_g('d2', _D)}(?:,?\s+{_g('y', _Y)})?")
def _range_dash(m: re.Match, c: _Context) -> _Dated | None:
    """'Jan. 10-12', 'Jan. 30 to Feb. 2'."""
    return _day_range(m, c, "range_dash")


@_rule("range_and", rf"\b{_g('m1', _M)}\s+{_g('d1', _D)}\s+and\s+{_g('d2', _D)}(?!\s*{_M})(?:,?\s+{_g('y', _Y)})?")
def _range_and(m: re.Match, c: _Context) -> _Dated | None:
    """'Jan. 10 and 11'."""
    return _day_range(m, c, "range_and")


@_rule("range_dmy",
       rf"\b{_g('d1', _D)}(?:{_DASH}|\s+(?:to|and)\s+){_g('d2', _D)}\s+{_g('m1', _M)}(?:,?\s+{_g('y', _Y)})?")
def _range_dmy(m: re.Match, c: _Context) -> _Dated | None:
    """'10-12 January'."""
    return _day_range(m, c, "range_dmy")


@_rule("iso", r"\b(?P<y>20\d\d)-(?P<mo>[01]\d)-(?P<d1>[0-3]\d)\b")
def _iso(m: re.Match, c: _Context) -> _Dated | None:
    """'2022-02-14'."""
    try:
        when = date(int(m.group("y")), int(m.group("mo")), int(m.group("d1")))
    except ValueError:
        return None
    return _Dated(when, when, "day")


def _month_day(m: re.Match, c: _Context) -> _Dated | None:
    """A month and a day, with or without a year (and a weekday before them)."""
    when = _day_date(_year(m), _month(m.group("m1")), _day(m.group("d1")), c.published, c.tense)
    return _Dated(when, when, "day") if when else None


_rule("date_mdy", rf"(?:\b{_g('wd', _WD)},?\s+)?\b{_g('m1', _M)}\s+{_g('d1', _D)}(?:,?\s+{_g('y', _Y)})?")(_month_day)
_rule("date_dmy", rf"(?:\b{_g('wd', _WD)},?\s+)?\b{_g('d1', _D)}\s+(?:of\s+)?{_g('m1', _M)}(?:,?\s+{_g('y', _Y)})?")(
    _month_day)


@_rule("month_part",
       rf"(?i:\b(?:by|before|until|till|toward|towards)\s+)?"
       rf"(?i:the\s+)?{_g('part', _PART)}"
       rf"(?:\s+|-){_g('m1', _M)}"
       rf"(?:\s+or\s+(?:{_g('part2', _PART)}(?:\s+|-))?{_g('m2', _M)}(?!\s+\d))?(?:,?\s+{_g('y', _Y)})?")
def _month_part(m: re.Match, c: _Context) -> _Dated:
    """'mid-February', 'by the end of January', 'late January or February'."""
    groups = m.groupdict()
    month = _month(groups["m1"])
    year = _year(m) or _month_year(month, c.published, c.tense)
    start, end = _part_window(groups["part"], year, month)
    if groups.get("m2"):  # from the first window to the end of the second
        month2 = _month(groups["m2"])
        year2 = year + (1 if month2 < month else 0)
        end = _part_window(groups["part2"], year2, month2)[1] if groups.get("part2") else _month_end(year2, month2)
    return _Dated(start, end, "month", value=f"{year:04d}-{month:02d}")


@_rule("month_or", rf"\b(?:in|by|until|between)\s+{_g('m1', _M)}\s+(?:or|and)\s+{_g('m2', _M)}(?:\s+{_g('y', _Y)})?")
def _month_or(m: re.Match, c: _Context) -> _Dated:
    """'in March or April'."""
    month1, month2 = _month(m.group("m1")), _month(m.group("m2"))
    year1 = _year(m) or _month_year(month1, c.published, c.tense)
    year2 = year1 + (1 if month2 < month1 else 0)
    return _Dated(date(year1, month1, 1), _month_end(year2, month2), "month", value=f"{year1:04d}-{month1:02d}")


def _month_alone(m: re.Match, c: _Context) -> _Dated:
    """A month with a preposition or a year: 'in March', 'next March', 'early March', 'March 2022'."""
    month = _month(m.group("m1"))
    prep = (m.groupdict().get("prep") or "").lower()
    year = _year(m)
    if year is None:
        if prep == "next":
            year = c.published.year + (1 if month <= c.published.month else 0)
        elif prep == "last":
            year = c.published.year - (1 if month >= c.published.month else 0)
        else:
            year = _month_year(month, c.published, c.tense)
    value = f"{year:04d}-{month:02d}"
    if prep == "early":
        return _Dated(date(year, month, 1), date(year, month, 10), "month", value=value)
    if prep == "late":
        return _Dated(date(year, month, 21), _month_end(year, month), "month", value=value)
    return _Dated(date(year, month, 1), _month_end(year, month), "month", value=value)


_rule("month", rf"\b{_g('prep', _MONTH_PREP)}\s+{_g('m1', _M)}(?:,?\s+{_g('y', _Y)})?(?!\s+\d)")(_month_alone)
_rule("month_year", rf"\b{_g('m1', _M)},?\s+{_g('y', _Y)}")(_month_alone)


@_rule("ordinal_day", r"\b(?:to|for|on|until|by|from|before|after)\s+the\s+(?P<d1>[12]\d|3[01]|[1-9])(?:st|nd|rd|th)\b")
def _ordinal_day(m: re.Match, c: _Context) -> _Dated | None:
    """'on the 12th': in the month of the last full date, else this or a neighbouring month."""
    day = _day(m.group("d1"))
    if c.last_month:
        try:
            when = date(c.last_month[0], c.last_month[1], day)
        except ValueError:
            return None
    else:
        when = _day_in_nearby_month(day, c.published, c.tense)
    return _Dated(when, when, "day") if when else None


@_rule("weekday",
       rf"(?:\b(?P<wprep>(?i:on|this|next|last|by|until|since|late|early|before|after))\s+)?"
       rf"\b{_g('wd', _WD)}(?!,?\s+{_M}\s+\d|,?\s+\d{{1,2}}(?:st|nd|rd|th)?\s+{_M})"
       rf"(?:\s+(?P<part>morning|afternoon|evening|night))?")
def _weekday_rule(m: re.Match, c: _Context) -> _Dated:
    """'on Monday', 'next Friday', 'Tuesday night': the nearest such day in the tense's direction."""
    when = _weekday(m.group("wd"), (m.group("wprep") or "").lower(), c.published, c.tense)[0]
    if m.group("part"):  # "Monday morning" is a TIME in TimeML
        return _Dated(when, when, "day", "TIME", f"{when.isoformat()}T{_DAY_PARTS[m.group('part')]}")
    return _Dated(when, when, "day")


@_rule("spring_thaw", r"(?i:\b(?:before|by|until|after|with)\s+)?(?i:the\s+)?(?i:spring\s+thaw)")
def _spring_thaw(m: re.Match, c: _Context) -> _Dated:
    """'before the spring thaw': the coming March."""
    year = c.published.year + (1 if c.published.month > 3 else 0)
    return _Dated(date(year, 3, 1), date(year, 3, 31), "season", value=f"{year:04d}-03")


@_rule("season",
       r"(?i:\b(?P<sprep>this|next|last|(?:in|into|by|before|until|over|during|through)\s+the|early|late|in|by)\s+)"
       r"(?:(?P<spart>(?i:early|late))\s+)?(?P<season>(?i:spring|summer|autumn|fall|winter))(?!\s+(?:of|at)\s+(?![\d$]))"
       rf"(?:\s+(?:of\s+)?{_g('y', _Y)})?")
def _season_rule(m: re.Match, c: _Context) -> _Dated | None:
    """'this spring', 'next winter', 'early summer 2022'."""
    season = m.group("season")
    if season[0].isupper() and re.match(r"[^\S\n]+[A-Z]", m.string[m.end("season"):]):
        return None  # "the Winter Olympics": a name, not a season
    start, end, precision = _season(m.groupdict(), c.published, _year(m), c.tense)
    code = _SEASON_CODES[season.lower()]
    return _Dated(start, end, precision, value=f"{start.year:04d}-{code}")


@_rule("offset", rf"(?i)\b(?P<n>{_NUM})\s+(?P<unit>days?|weeks?)\s+(?P<dir>later|earlier|after|before)\b")
def _offset_rule(m: re.Match, c: _Context) -> _Dated | _Undated:
    """'four days later', 'a week earlier': from the day named before it in the sentence (with none,
    only TimeML's duration: no deadline)."""
    resolved = _offset(m.groupdict(), c.local_anchor)
    return _Dated(*resolved) if resolved else _Undated("DURATION", _count_value(m.group("n"), m.group("unit")))


@_rule("next_hours",
       r"(?i)\b(?:in|within|over)\s+the\s+(?:next|coming)\s+(?P<n>\d{1,3})(?:\s*(?:to|or|-|–)\s*(?P<n2>\d{1,3}))?"
       r"\s+(?P<unit>hours|days|weeks)\b")
def _next_hours(m: re.Match, c: _Context) -> _Dated:
    """'in the next 24 to 48 hours': from publication on (TimeML: a duration)."""
    count = int(m.group("n2") or m.group("n"))
    unit = m.group("unit").lower()
    days = -(-count // 24) if unit == "hours" else count * (7 if unit == "weeks" else 1)
    precision = "day" if unit == "hours" else "week" if days <= 14 else "month"
    value = _count_value("few" if m.group("n2") else m.group("n"), unit)  # "24 to 48 hours": a vague length
    return _Dated(c.published, c.published + timedelta(days=days), precision, value=value)


@_rule("relative",
       r"(?i)\b(?P<rel>today|tonight|tomorrow|yesterday|"
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
       rf"(?:in|within)\s+(?P<n>{_NUM})\s+(?P<unit>hours?|days?|weeks?|months?))\b")
def _relative_rule(m: re.Match, c: _Context) -> _Dated | None:
    """Relative horizons: today, next week, later in the week, within days, next month..."""
    if m.group("unit") and _COUNTED_BEFORE_RE.search(m.string, max(0, m.start() - 30), m.start()):
        return None  # "three meetings in four days": a duration, not a date
    resolved = _relative(m.groupdict(), c.published, c.anchor)
    if resolved is None:
        return None
    rel = re.sub(r"\s+", " ", m.group("rel").lower())
    if rel == "tonight":
        return _Dated(*resolved, "TIME", f"{resolved[0].isoformat()}TNI")
    vague = re.match(r"(?:in|within|over) the (?:next|coming|following) |within |in the (?:days|weeks|coming)", rel)
    if vague and not m.group("unit"):  # "within days": dated for deadlines, a vague duration for TimeML
        unit = re.search(r"hour|day|week|month", rel)
        return _Dated(*resolved, value=_count_value("few", unit.group() if unit else "day"))
    if m.group("unit") and rel.startswith("within"):
        return _Dated(*resolved, value=_count_value(m.group("n"), m.group("unit")))
    if m.group("unit") and resolved[2] == "week":  # "in two weeks": the week of the middle day
        middle = resolved[0] + (resolved[1] - resolved[0]) / 2
        return _Dated(*resolved, value=_iso_week(middle))
    return _Dated(*resolved)


@_rule("year", rf"(?i:\b(?:in|by|until|since|during|before|after|through)\s+){_g('y', _Y)}\b")
def _year_rule(m: re.Match, c: _Context) -> _Dated:
    """'in 2022', 'by 1999'."""
    year = int(m.group("y"))
    return _Dated(date(year, 1, 1), date(year, 12, 31), "year")


@_rule("quarter",
       rf"(?i:\b(?:the\s+)?(?:{_g('qy', _Y)}(?:['’]s)?\s+|(?P<rel>next|last|this)\s+year['’]s\s+|"
       rf"(?P<ago>year[-\s](?:ago|earlier))\s+)?(?:fiscal[-\s]+)?"
       rf"(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[-\s]+quarter\b"
       rf"(?:\s+of\s+(?:fiscal\s+)?{_g('y', _Y)}\b)?)")
def _quarter_rule(m: re.Match, c: _Context) -> _Dated:
    """'the third quarter', 'fourth-quarter', 'the first quarter of 1990'."""
    start, end, precision = _quarter(m.groupdict(), c.published, c.tense)
    shift = {"next": 1, "last": -1}.get((m.group("rel") or "").lower(), 0) - (1 if m.group("ago") else 0)
    if shift:  # "next year's first quarter", "the year-ago third quarter"
        start, end = date(start.year + shift, start.month, 1), _month_end(end.year + shift, end.month)
    return _Dated(start, end, precision, value=f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}")


# --- TimeML-only rules: dated expressions no deadline came from, and durations, sets and refs -----

_UNIT = r"(?P<unit>years?|months?|weeks?|days?|hours?|minutes?|decades?|centur(?:y|ies)|quarters?)"
_UNIT_CODES = {"year": "Y", "month": "M", "week": "W", "day": "D", "hour": "TH", "minute": "TM", "decade": "DE",
               "century": "CE", "centurie": "CE", "quarter": "Q"}
_COUNT = (r"(?P<n>\d{1,3}(?:\.\d)?|a\s+hundred|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
          r"fifteen|"
          r"twenty|thirty|forty|fifty|sixty|hundred|couple\s+of|a\s+couple\s+of|few|a\s+few|several|many)")


def _count_value(count: str, unit: str) -> str:
    """A TimeML duration value: 'three', 'weeks' -> 'P3W'; vague counts give 'PXW'."""
    code = _UNIT_CODES[unit.lower().rstrip("s")]
    word = re.sub(r"\s+", " ", count.lower()).removeprefix("a ") if count.lower() not in ("a", "an") else count.lower()
    number = NUMBERS.get(word) or (count if count[0].isdigit() else None)
    if number is None:
        return f"P{'T' if code.startswith('T') else ''}X{code[-1]}"
    if code.startswith("T"):
        return f"PT{number}{code[1]}"
    return f"P{number}{code}"


@_rule("duration",
       rf"(?i)\b(?:the\s+(?:(?:past|last|next|first|latest|previous|coming|final|remaining)\s+)?|"
       rf"(?:past|next|first|previous|coming|final|remaining)\s+|"
       rf"(?:about|nearly|almost|some|more\s+than|less\s+than|no\s+more\s+than|at\s+least|up\s+to|over|only|just)\s+)?"
       rf"{_COUNT}(?:\s+more)?(?P<sep>[-\s])(?:(?:trading|business|working|calendar)\s+)?{_UNIT}(?:-old)?(?![-\w])"
       r"(?!\s+old\b)")
def _duration(m: re.Match, c: _Context) -> _Undated | None:
    """'three weeks', 'the past two years', 'a four-day', 'several months': a TimeML duration."""
    if m.group("sep") == "-" and m.group("unit").lower().startswith("quarter"):
        return None  # "three-quarters of its food": a share
    if m.group("n").lower() in ("a", "an") and m.start() > 0 \
            and re.search(r"(?i)(?:\b(?:once|twice|times|per|million|billion|thousand)|%|percent|\d)\s+$",
                          m.string[max(0, m.start() - 12):m.start()]):
        return _Undated("SET", _count_value("1", m.group("unit")))  # "twice a year", "5% a year"
    return _Undated("DURATION", _count_value(m.group("n"), m.group("unit")))


@_rule("plural_duration",
       rf"(?i)\b(?:for|over\s+the)\s+(?P<unit>{'|'.join(_PLURAL_UNITS)})\b"
       r"(?!\s+(?:ago|earlier|later|before|after)\b)")
def _plural_duration(m: re.Match, c: _Context) -> _Undated:
    """'for centuries', 'over the years': a duration of unknown length."""
    return _Undated("DURATION", _count_value("few", m.group("unit")))


@_rule("every", rf"(?i)\b(?:every|each|per)\s+(?:(?P<n>other|two|three|four|\d+)\s+)?{_UNIT}\b")
def _every(m: re.Match, c: _Context) -> _Undated:
    """'every week', 'each year', 'every two months': a set."""
    count = {"other": "2"}.get((m.group("n") or "1").lower(), m.group("n") or "1")
    return _Undated("SET", _count_value(count, m.group("unit")))


@_rule("frequency", r"(?i)\b(?P<f>daily|weekly|monthly|quarterly|annually|yearly|nightly|hourly)\b(?!\s+[a-z])")
def _frequency(m: re.Match, c: _Context) -> _Undated:
    """'weekly', 'annually' used on their own (not 'weekly magazine'): a set."""
    value = {"daily": "P1D", "nightly": "P1D", "weekly": "P1W", "monthly": "P1M", "quarterly": "P3M",
             "annually": "P1Y", "yearly": "P1Y", "hourly": "PT1H"}[m.group("f").lower()]
    return _Undated("SET", value)


@_rule("ref",
       r"(?i)\b(?P<r>right\s+now|now|currently|a\s+later\s+date|at\s+present|at\s+the\s+moment|these\s+days|nowadays|"
       r"the\s+(?:recent\s+|distant\s+)?past|recently|formerly|lately|current|recent|"
       r"the\s+(?:near\s+|distant\s+)?future|soon)\b(?!\s+(?:\d|(?:few|several|two|three|four|five|six|seven|eight|"
       r"nine|ten|year|month|week|day|decade|quarter)))")
def _ref(m: re.Match, c: _Context) -> _Undated | None:
    """'now', 'currently', 'recently', 'the past', 'the future', 'soon': TimeML's *_REF values."""
    word = m.group("r").lower()
    if word == "soon" and re.match(r"(?i)\s+as\b", m.string[m.end():]):
        return None  # "as soon as": a conjunction, no time TimeML annotates
    if "past" in word or word in ("recently", "formerly", "lately", "recent"):
        return _Undated("DATE", "PAST_REF")
    if "future" in word or word == "soon" or word.endswith("later date"):
        return _Undated("DATE", "FUTURE_REF")
    return _Undated("DATE", "PRESENT_REF")


@_rule("part_of_day", r"(?i)\b(?P<w>this|yesterday|tomorrow)\s+(?P<part>morning|afternoon|evening|night)\b")
def _part_of_day(m: re.Match, c: _Context) -> _Dated:
    """'this morning', 'yesterday afternoon': that day, a TIME at the part of the day."""
    return _day_part(m, c)


@_rule("bare_year", rf"(?<![\d$.,/-])(?:(?i:fiscal)[-\s]+)?{_g('y', _Y)}(?![\d%]|[.,]\d|\s*(?:%|percent))")
def _bare_year(m: re.Match, c: _Context) -> _Dated | None:
    """'the 1997 budget', 'fiscal 1989': a year (within a century of publication)."""
    year = int(m.group("y"))
    if abs(year - c.published.year) > 60:
        return None
    return _Dated(date(year, 1, 1), date(year, 12, 31), "year")


@_rule("year_part", rf"(?i)\b(?P<part>early|mid-?|late|the\s+end\s+of|the\s+beginning\s+of)\s*{_g('y', _Y)}\b")
def _year_part(m: re.Match, c: _Context) -> _Dated:
    """'early 1990', 'the end of 1994': part of a year, written as the year."""
    year = int(m.group("y"))
    return _Dated(date(year, 1, 1), date(year, 12, 31), "year")


@_rule("decade", r"(?i)\b(?:the\s+)?(?:early\s+|mid-?|late\s+)?(?P<dec>(?:19|20)\d0)['’]?s\b")
def _decade(m: re.Match, c: _Context) -> _Dated:
    """'the 1990s': a decade, written by its first three digits."""
    first = int(m.group("dec"))
    return _Dated(date(first, 1, 1), date(first + 9, 12, 31), "year", value=m.group("dec")[:3])


@_rule("ago", rf"(?i)\b(?:about\s+|nearly\s+|almost\s+|some\s+)?{_COUNT}\s+{_UNIT}\s+(?:ago|earlier|before)\b|"
              r"(?i:\byear[-\s](?:ago|earlier)\b)")
def _ago(m: re.Match, c: _Context) -> _Dated | _Undated | None:
    """'a year ago', 'two weeks ago', 'year-earlier': back from publication, or from the quarter or
    fiscal year named last ('profit fell from a year earlier' in a third-quarter report)."""
    count_word = (m.group("n") or "a").lower()
    unit = (m.group("unit") or "year").lower().rstrip("s")
    count = NUMBERS.get(re.sub(r"\s+", " ", count_word).removeprefix("a ") if count_word not in ("a", "an")
                        else count_word) or (int(count_word) if count_word.isdigit() else None)
    if count is None:  # "several years ago" is a past ref, "several months before" a duration
        return _Undated("DATE", "PAST_REF") if m.group().lower().endswith("ago") else \
            _Undated("DURATION", _count_value(count_word, unit))
    if unit == "year" and count == 1 and c.last_period:
        kind, year, number = c.last_period
        if kind == "quarter":
            start = date(year - 1, 3 * number - 2, 1)
            return _Dated(start, _month_end(year - 1, 3 * number), "season", value=f"{year - 1:04d}-Q{number}")
        return _Dated(date(year - 1, 1, 1), date(year - 1, 12, 31), "year")
    months = {"month": 1, "year": 12, "decade": 120}.get(unit)
    days = {"day": 1, "week": 7}.get(unit)
    if months:  # calendar months back: "five months ago" in March is October
        index = c.published.year * 12 + c.published.month - 1 - months * count
        when = date(index // 12, index % 12 + 1, 1)
    elif days:
        when = c.published - timedelta(days=days * count)
    else:
        return None
    precision = {"day": "day", "week": "week", "month": "month"}.get(unit, "year")
    value = {"day": when.isoformat(), "week": _iso_week(when),
             "month": f"{when.year:04d}-{when.month:02d}"}.get(unit, f"{when.year:04d}")
    start, end = _span(when, precision)
    return _Dated(start, end, precision, value=value)


@_rule("the_quarter",
       rf"(?i)\b(?:the|this)\s+(?:{_g('y', _Y)}\s+|(?P<ago>year[-\s](?:ago|earlier))\s+)?"
       r"(?P<which>latest\s+|current\s+|same\s+|recent\s+|most\s+recent\s+)?(?P<what>quarter|period)\b")
def _the_quarter(m: re.Match, c: _Context) -> _Dated | None:
    """'the quarter', 'the 1988 period', 'the year-ago quarter': the quarter named last in the article;
    'this/the current quarter' is publication's, 'the latest quarter' the last one ended before it."""
    which = (m.group("which") or "").strip().lower()
    current = (c.published.year, (c.published.month - 1) // 3 + 1)
    if which == "current" or m.group().lower().startswith("this quarter"):
        year, number = current
    elif which in ("latest", "recent", "most recent") and m.group("what").lower() == "quarter":
        year, number = (current[0], current[1] - 1) if current[1] > 1 else (current[0] - 1, 4)
    elif c.last_period and c.last_period[0] == "quarter":
        _, year, number = c.last_period
    else:
        return None
    year = int(m.group("y")) if m.group("y") else year - (1 if m.group("ago") else 0)
    return _Dated(date(year, 3 * number - 2, 1), _month_end(year, 3 * number), "season", value=f"{year:04d}-Q{number}")


@_rule("vague_duration",
       r"(?i)\b(?:the\s+)?(?:recent|coming|past|last|next)\s+(?P<unit>years|months|weeks|days|decades)\b")
def _vague_duration(m: re.Match, c: _Context) -> _Undated:
    """'recent years', 'the coming weeks': a duration of unknown length."""
    return _Undated("DURATION", _count_value("few", m.group("unit")))


_SPELLED_TENS = {"ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                 "eighty": 80, "ninety": 90}
_SPELLED_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


@_rule("spelled_year",
       rf"(?:(?P<m1>{_M})\s+)?(?i:\bnineteen\s+(?P<tens>{'|'.join(_SPELLED_TENS)})(?:[-\s](?P<units>"
       rf"{'|'.join(_SPELLED_UNITS)}))?\b)")
def _spelled_year(m: re.Match, c: _Context) -> _Dated:
    """'nineteen ninety-six', 'January nineteen ninety-seven' (broadcast transcripts spell years out)."""
    year = 1900 + _SPELLED_TENS[m.group("tens").lower()] + _SPELLED_UNITS.get((m.group("units") or "").lower(), 0)
    if m.group("m1"):
        month = _month(m.group("m1"))
        return _Dated(date(year, month, 1), _month_end(year, month), "month")
    return _Dated(date(year, 1, 1), date(year, 12, 31), "year")


@_rule("clock",
       rf"(?i:\b(?:(?P<h>1[0-2]|0?[1-9])(?::(?P<mi>[0-5]\d))?\s*(?P<ap>[ap])\.?m\.?|(?P<word>noon|midnight))"
       rf"(?:\s+\w{{2,4}})?,?\s+(?:on\s+)?)(?P<day>{_WD}|(?i:today|yesterday|tomorrow))\b")
def _clock(m: re.Match, c: _Context) -> _Dated:
    """'10 p.m. Wednesday', 'noon Thursday', 'midnight Friday': that day (a deadline), a TIME for TimeML."""
    day = m.group("day").lower()
    shift = {"today": 0, "yesterday": -1, "tomorrow": 1}
    when = c.published + timedelta(days=shift[day]) if day in shift else _weekday(day, "", c.published, c.tense)[0]
    if m.group("word"):
        clock = "12:00" if m.group("word").lower() == "noon" else "24:00"
    else:
        hour = int(m.group("h")) % 12 + (12 if m.group("ap").lower() == "p" else 0)
        clock = f"{hour:02d}:{m.group('mi') or '00'}"
    return _Dated(when, when, "day", "TIME", f"{when.isoformat()}T{clock}")


@_rule("every_named", rf"(?i:\b(?:every|each)\s+)(?P<name>{_M}|{_WD})")
def _every_named(m: re.Match, c: _Context) -> _Undated:
    """'each July', 'every Monday': a set of months or weekdays."""
    name = m.group("name").rstrip(".").lower()
    if name in WEEKDAYS:
        return _Undated("SET", f"XXXX-WXX-{WEEKDAYS[name] + 1}")
    return _Undated("SET", f"XXXX-{MONTHS[name]:02d}")


@_rule("this_year", r"(?i)\b(?:the\s+)?(?:full|current(?:\s+fiscal)?|calendar)\s+year\b|\byear['’]?s?[-\s]end\b|"
                   r"(?i:\bthe\s+(?P<past>past|last)\s+year\b)|(?i:\bthe\s+(?P<fiscal>fiscal\s+)?year\b"
                   r"(?=\s+(?P<ending>ended|ending)\b))|(?i:\bthe\s+(?P<fiscal_alone>fiscal)\s+year\b)|"
                   r"(?i:\b(?P<within>earlier|later)\s+in\s+the\s+year\b)")
def _this_year(m: re.Match, c: _Context) -> _Dated | _Undated:
    """'the full year', 'the current fiscal year', 'year-end': the year of publication; 'the past
    year' the one before; 'the fiscal year' and 'the year ended March 31' a year's length; 'earlier
    in the year' this year up to publication."""
    if m.group("fiscal_alone") or m.group("ending"):
        return _Undated("DURATION", "P1Y")
    year = c.published.year - (1 if m.group("past") else 0)
    if (m.group("within") or "").lower() == "earlier":
        return _Dated(date(year, 1, 1), c.published, "year", value=str(year))
    if m.group("within"):
        return _Dated(c.published, date(year, 12, 31), "year", value=str(year))
    return _Dated(date(year, 1, 1), date(year, 12, 31), "year")


@_rule("century", r"(?i)\b(?:the\s+)?(?P<n>1\d|2[01])(?:st|nd|rd|th)[-\s]+century\b")
def _century(m: re.Match, c: _Context) -> _Dated:
    """'the 20th century': a hundred years, written by its first two digits ('19')."""
    first = (int(m.group("n")) - 1) * 100
    return _Dated(date(first, 1, 1), date(first + 99, 12, 31), "year", value=f"{first // 100:02d}")


@_rule("decade_word", rf"(?i)\bthe\s+(?:early\s+|mid-?|late\s+)?(?P<w>{'|'.join(_DECADE_WORDS)})\b")
def _decade_word(m: re.Match, c: _Context) -> _Dated:
    """'the nineties': the latest such decade begun by publication ('in her forties' is an age)."""
    tens = _DECADE_WORDS[m.group("w").lower()] * 10
    first = 2000 + tens if 2000 + tens <= c.published.year else 1900 + tens
    return _Dated(date(first, 1, 1), date(first + 9, 12, 31), "year", value=str(first)[:3])


@_rule("part_before_day",
       r"(?i)\b(?:(?:early|late|mid)[-\s]?)?(?P<part>morning|afternoon|evening)\s+(?P<w>yesterday|today|tomorrow)\b")
def _part_before_day(m: re.Match, c: _Context) -> _Dated:
    """'mid-afternoon yesterday', 'early evening today': that day, a TIME at the part of the day."""
    return _day_part(m, c)


_DAY_SHIFT = {"this": 0, "today": 0, "yesterday": -1, "tomorrow": 1}


def _day_part(m: re.Match, c: _Context) -> _Dated:
    """A part of the day ('afternoon') on the day its word ('yesterday') names, as a TIME."""
    when = c.published + timedelta(days=_DAY_SHIFT[m.group("w").lower()])
    return _Dated(when, when, "day", "TIME", f"{when.isoformat()}T{_DAY_PARTS[m.group('part').lower()]}")


@_rule("then", r"(?i)\b(?:until|till|by|since|before|after|from)\s+then\b|\bthat\s+(?P<unit>year|month|day)\b(?![-'’])")
def _then(m: re.Match, c: _Context) -> _Dated | None:
    """'until then', 'that year': the date named last, at the unit's granularity (no new deadline)."""
    last, unit = c.last_dated, (m.group("unit") or "").lower()
    if last is None:
        return None
    if unit == "year":
        return _Dated(date(last.start.year, 1, 1), date(last.start.year, 12, 31), "year")
    if unit == "month":
        return _Dated(date(last.start.year, last.start.month, 1), _month_end(last.start.year, last.start.month),
                      "month")
    return _Dated(last.start, last.start, "day") if unit == "day" else last


_DURING_BEFORE_RE = re.compile(r"(?i)\b(?:in|within|over|during|for|through|throughout)\s+$")


@_rule("following", r"(?i)\bthe\s+(?:following|next)\s+(?P<unit>month|year)\b")
def _following(m: re.Match, c: _Context) -> _Dated | None:
    """'the following month', 'the next year': after the date named last, else after publication
    (not 'over the next year': a duration)."""
    if _DURING_BEFORE_RE.search(m.string, max(0, m.start() - 12), m.start()):
        return None
    base = c.last_dated.start if c.last_dated else c.published
    if m.group("unit").lower() == "year":
        return _Dated(date(base.year + 1, 1, 1), date(base.year + 1, 12, 31), "year")
    index = base.year * 12 + base.month  # the next month's index (months counted from zero)
    year, month = index // 12, index % 12 + 1
    return _Dated(date(year, month, 1), _month_end(year, month), "month")


@_rule("weekend", r"(?i)\b(?P<w>this|next|last|the)\s+weekend\b")
def _weekend(m: re.Match, c: _Context) -> _Dated:
    """'over the weekend', 'this weekend': Saturday and Sunday, on a weekday the last one in a past
    clause, else the coming one ('the weekend' without a tense: the nearer; 'next'/'last weekend': a
    week on or back)."""
    which = m.group("w").lower()
    saturday = c.published - timedelta(days=c.published.weekday()) + timedelta(days=5)
    nearer_behind = c.tense is None and which == "the" and c.published.weekday() < 3
    behind = c.published < saturday and (c.tense == "past" or nearer_behind)
    if which == "next":
        saturday += timedelta(days=7)
    elif which == "last" or behind:
        saturday -= timedelta(days=7)
    return _Dated(saturday, saturday + timedelta(days=1), "day")


def _iso_week(day: date) -> str:
    """A day's ISO week as TimeML writes it: '1998-W02'."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _span(day: date, precision: str) -> tuple[date, date]:
    """The week, month or year around a day (the day itself at day precision)."""
    if precision == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if precision == "month":
        return date(day.year, day.month, 1), _month_end(day.year, day.month)
    if precision == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    return day, day


_DAY_PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
_SEASON_CODES = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
# Kinds that give TimeML a value but never a deadline: their rows are not written to the extract table.
_TIMEML_ONLY = frozenset({"part_of_day", "bare_year", "year_part", "decade", "ago", "the_quarter", "spelled_year",
                          "this_year", "then", "century", "decade_word"})
# Kinds that name a full date, whose month "the 12th" then takes.
_FULL_DATES = frozenset({"date_mdy", "date_dmy", "range_from", "range_dash", "range_dmy", "range_and", "iso",
                         "ordinal_day"})

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
    ("postponed", re.compile(r"(?i)\b(?:postpone[sd]?|postponing|moved\s+(?:back|up)|pushed\s+back|push\s+back|"
                             r"delay(?:ed|s)?|rescheduled|put\s+off|moved\s+forward|"
                             # "moved to Vienna" changes the venue; "moved to Friday" or "to March" the date
                             r"(?:moved|shifted|pushed)\s+to(?!\s+(?-i:(?!" + month_pattern() + "|" + weekday_pattern()
                             + r")[A-Z])))\b")),
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
# Words after "to" that are no verb: "amounted to more than", "to its members".
_NOT_VERBS = frozenset("the a an more less about around nearly almost some than its his her their our this that "
                       "these those".split())
_NOT_PAST_ED = frozenset({"scheduled", "planned", "expected", "slated", "set", "postponed", "delayed",
                          "moved", "rescheduled", "pushed", "shifted", "confirmed", "called", "cancelled",
                          "canceled", "intended", "needed", "invited", "required", "based", "supposed",
                          "determined", "prepared", "concerned", "aimed", "designed", "united"})
# Present-tense verbs of a schedule: "talks open on Monday", "the delegation flies to Geneva on Sunday".
_SCHEDULE_VERBS = frozenset(
    "open opens begin begins start starts meet meets resume resumes hold holds arrive arrives fly flies "
    "travel travels visit visits head heads go goes end ends run runs convene convenes gather gathers "
    "return returns leave leaves continue continues likely unlikely could might may can ready".split()
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
    context = _Context(published, None, None, None, None, None, None)
    for sentence in sentences:
        context.local_anchor = None  # the last day named in this sentence, for "four days later"
        previous_tense: str | None = None  # the tense of the sentence's previous expression
        matches = _matches(sentence.text)
        if not matches:
            continue
        events = _event_hits(sentence.text)
        places = _place_hits(text, sentence)
        status = _status(sentence.text)
        for kind, match, resolver in matches:
            context.tense = _tense(sentence.text, match.start(), match.end(), previous_tense)
            resolved = resolver(match, context)
            if resolved is None:
                continue
            previous_tense = context.tense or previous_tense
            start, end = _extent(sentence.start, match)
            expression = _Found(kind, match, resolved, start, end)
            if isinstance(resolved, _Dated):
                _remember(context, kind, resolved)
            found.append(_expression(text, sentence, expression, context, events, places, status))
    return found


@dataclass(frozen=True)
class _Found:
    """One resolved match, with its TimeML extent in the article."""

    kind: str
    match: re.Match
    resolved: _Dated | _Undated
    start: int
    end: int


def _expression(text: str, sentence: Sentence, found: _Found, context: _Context, events: list, places: list,
                status: str) -> TimeExpression:
    """The TimeExpression of one resolved match: its range, value, direction, event and place."""
    match, resolved = found.match, found.resolved
    dates_speech = bool(_SPEECH_BEFORE_RE.search(sentence.text, max(0, match.start() - 40), match.start()))
    dated = isinstance(resolved, _Dated)
    location = None if dates_speech else _location(sentence.text, match.start(), match.end(), places)
    return TimeExpression(
        surface=text[found.start:found.end],
        due_start=resolved.start if isinstance(resolved, _Dated) else None,
        due_end=resolved.end if isinstance(resolved, _Dated) else None,
        precision=resolved.precision if isinstance(resolved, _Dated) else resolved.timex_type.lower(),
        is_future=_is_future(found, sentence.text, context),
        # "said on Friday" dates the saying, not an event
        event_label=None if dates_speech else _event_label(sentence.text, match.start(), match.end(), events),
        location=location,
        status_cue=status,
        start_char=found.start,
        end_char=found.end,
        sentence=sentence.text,
        timex_type=resolved.timex_type,
        value=_value(resolved, context.published) if isinstance(resolved, _Dated) else resolved.value,
        is_deadline_candidate=dated and found.kind not in _TIMEML_ONLY,
        places=_coordinated(sentence.text, match.start(), places, location),
    )


def _is_future(found: _Found, sentence: str, context: _Context) -> bool:
    """Whether the expression lies ahead of publication (a vague one by its wording or tense)."""
    resolved, match = found.resolved, found.match
    if isinstance(resolved, _Undated):
        return resolved.value == "FUTURE_REF" or bool(_FORWARD_RE.search(match.group()))
    if resolved.start > context.published:
        return True
    if resolved.end < context.published:
        return False
    if (found.kind in ("next_hours", "offset") or _FORWARD_RE.search(match.group())
            or _FORWARD_BEFORE_RE.search(sentence, max(0, match.start() - 10), match.start())):
        return True  # "within days", "in the coming weeks", "by the end of January"
    return context.tense != "past"


def _remember(context: _Context, kind: str, resolved: _Dated) -> None:
    """Keep what later expressions count from: the month of a full date, the last day, the last period."""
    context.last_dated = resolved
    if kind in _FULL_DATES:
        context.last_month = (resolved.start.year, resolved.start.month)
    if resolved.precision == "day":
        context.anchor = context.local_anchor = resolved.start
    quarter = re.fullmatch(r"(\d{4})-Q(\d)", resolved.value or "")
    if quarter and kind not in ("ago", "the_quarter"):
        context.last_period = ("quarter", int(quarter.group(1)), int(quarter.group(2)))
    elif kind in ("year", "bare_year"):
        context.last_period = ("year", resolved.start.year, 0)


# TimeML leaves a leading preposition out of the extent: "on <TIMEX3>Monday</TIMEX3>".
_LEADING_PREP_RE = re.compile(
    r"(?i)(?:(?:on|in|into|over|by|until|till|since|during|through|before|after|from|for|at(?!\s+least)|of|within|"
    r"toward|towards|between|with)\s+)+(?=\S)"
    # nor "earlier"/"later" before a day or "this ...": "earlier this month" is <TIMEX3>this month</TIMEX3>
    r"|(?i:earlier|later)\s+(?=this\b|today\b|yesterday\b|tomorrow\b|tonight\b|[MTWFS]\w+day\b)"
    # nor "the" before a quarter that modifies a noun: "the third-quarter loss"
    r"|(?i:the)\s+(?=(?:fiscal[-\s]+)?(?:first|second|third|fourth)-quarter\b)")


def _extent(offset: int, match: re.Match) -> tuple[int, int]:
    """The match's offsets in the article, without a leading preposition."""
    lead = _LEADING_PREP_RE.match(match.group())
    cut = lead.end() if lead and lead.end() < len(match.group()) else 0
    return offset + match.start() + cut, offset + match.end()


def _value(resolved: _Dated, published: date) -> str:
    """A dated expression's TimeML value at its granularity (a span wider than one unit is a ref)."""
    if resolved.value:
        return resolved.value
    start, end, precision = resolved.start, resolved.end, resolved.precision
    if precision == "day":
        if end - start == timedelta(days=1) and start.weekday() == 5:
            return _iso_week(start) + "-WE"
        return start.isoformat()
    keys = {"week": _iso_week,
            "month": lambda d: f"{d.year:04d}-{d.month:02d}", "year": lambda d: f"{d.year:04d}"}
    key = keys.get(precision, keys["month"])
    if key(start) == key(end):
        return key(start)
    return "FUTURE_REF" if start >= published else "PAST_REF"


def _matches(sentence: str) -> list[tuple[str, re.Match, _Resolver]]:
    """Every rule's matches, reduced to non-overlapping ones (earliest, then longest, then rule order)."""
    candidates = []
    lower = sentence.lower()
    present = {word for word in _ALL_NEEDS if word in lower}  # each word tested once, not once per rule
    for order, (kind, pattern, resolver, words) in enumerate(_RULES):
        if present.isdisjoint(words):
            continue
        for match in pattern.finditer(sentence):
            if match.end() > match.start():
                candidates.append((match.start(), -(match.end() - match.start()), order, kind, match, resolver))
    chosen: list[tuple[str, re.Match, _Resolver]] = []
    taken_until = -1
    for start, _, _, kind, match, resolver in sorted(candidates, key=lambda c: c[:3]):
        if start >= taken_until:
            chosen.append((kind, match, resolver))
            taken_until = match.end()
    return chosen



# --- resolution -----------------------------------------------------------------------------------


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
    return MONTHS[token.rstrip(".").lower()]


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
        behind = [o for o in options if o <= published and (published - o).days < 300]
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
    if tense == "future":  # a month named in a future clause is this one or ahead, never behind
        return published.year + (1 if delta < 0 else 0)
    if tense == "past" and delta >= -8:  # and in a past clause up to eight months back ("in April" in
        return published.year - (1 if delta > 0 else 0)  # October); beyond, a faint past tense loses to nearness
    if delta > 6:
        return published.year - 1
    if delta < -5:
        return published.year + 1
    return published.year


def _weekday(name: str, prep: str, published: date, tense: str | None) -> tuple[date, date, str]:
    """A weekday: the nearest matching day in the direction of the tense (or of 'next'/'last')."""
    target = WEEKDAYS[name.lower()]
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


def _season(groups: dict, published: date, year: int | None, tense: str | None = None) -> tuple[date, date, str]:
    """A season ('this spring', 'next winter', 'early summer') as a date range: the current one, else
    the coming one, or in a past clause the last one ended."""
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
        last = next(span(y) for y in range(published.year + 1, published.year - 3, -1) if span(y)[1] < published)
        if prep == "next":
            start, end = upcoming
        elif prep == "last" or (tense == "past" and current is None):
            start, end = last
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
    before ("talks open on Jan. 10 and move to Vienna later in the week"), else from publication;
    "later this week" from that day only when it lies within ten days of publication.
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
        if rel == "later in the week" and anchor is not None:  # "in the week" is that of the day named before
            base = anchor
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
    verdict = _scan(_WORD_RE.findall(right[:stop.start() if stop else len(right)])[:6], title_case, leftwards=False)
    if verdict:
        return verdict
    # the whole sentence, but not across "before flying …": a gerund's time is not its main verb's
    cut = list(_NONFINITE_RE.finditer(left))
    left = left[cut[-1].end():] if cut else left
    cut_right = _NONFINITE_RE.search(right)
    right = right[:cut_right.start()] if cut_right else right
    return _scan(reversed(_WORD_RE.findall(left)), title_case) or _scan(_WORD_RE.findall(right), title_case,
                                                                        leftwards=False)


def _scan(words, title_case: bool = False, leftwards: bool = True) -> str | None:
    """The first tense marker among words, nearest first (scanning leftwards, 'previous' is the
    word after the current one: 'to meet on Monday' is future, 'to Kyiv' and 'to more' are not; a
    participle after 'be' is passive, and ahead: 'to be published')."""
    previous = None
    words = list(words)
    for index, word in enumerate(words):
        lower = word.lower()
        if lower == "to" and previous and (title_case or previous[0].islower()) \
                and previous.lower() not in _NOT_VERBS and not previous.endswith("ed"):
            return "future"
        if lower in _FUTURE_WORDS or lower.endswith("'ll") or lower in _SCHEDULE_VERBS:
            return "future"
        if lower in _PAST_WORDS or (lower.endswith("ed") and len(lower) > 4 and lower not in _NOT_PAST_ED):
            before = index + 1 if leftwards else index - 1
            if 0 <= before < len(words) and words[before].lower() == "be" and lower not in ("ago", "earlier"):
                return "future"
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


# a clause about what comes next: a city after it is that event's place ("on Jan. 12, before the talks go on
# to Vienna")
_NEXT_EVENT_RE = re.compile(r"(?i),\s*(?:and\s+)?(?:before|after|followed\s+by|then|ahead\s+of)\b")


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
    right = [h for h in hits if h[0] >= end and (reach is None or h[0] - end <= reach)
             and not (reach and _NEXT_EVENT_RE.search(sentence, end, h[0]))]
    return min(right, key=lambda h: h[0])[2] if right else None


_COORDINATION_RE = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)")


def _coordinated(sentence: str, start: int, places: list[tuple[int, int, str]],
                 location: str | None) -> tuple[str, ...]:
    """The location and the cities coordinated with it ("to Brussels and Vienna"), in text order;
    of several runs naming it, the one nearest the expression."""
    if location is None:
        return ()
    runs: list[list[tuple[int, int, str]]] = []
    for hit in places:
        if runs and _COORDINATION_RE.fullmatch(sentence, runs[-1][-1][1], hit[0]):
            runs[-1].append(hit)
        else:
            runs.append([hit])
    named = [run for run in runs if any(city == location for _, _, city in run)]
    run = min(named, key=lambda r: min(abs(h[0] - start) for h in r)) if named else []
    return tuple(dict.fromkeys(city for _, _, city in run)) or (location,)


def _status(sentence: str) -> str:
    """Cancelled, postponed or confirmed from the sentence's wording (not in a condition: "if Moscow
    confirms" confirms nothing); scheduled otherwise."""
    for status, pattern in _STATUS_RULES:
        for match in pattern.finditer(sentence):
            if not _CONDITION_BEFORE_RE.search(sentence, max(0, match.start() - 30), match.start()):
                return status
    return "scheduled"
