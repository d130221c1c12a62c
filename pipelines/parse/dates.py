"""A feed entry's dates in UTC: feedparser's reading, and ours where feedparser misreads (12-hour clocks,
month and weekday names in other languages). Each odd rule names the feed that needed it."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timezone

from feedparser.datetimes import _parse_date as _feedparser_date

# month and weekday names of the languages news feeds localize RFC 822 dates into
_MONTHS = {
    "jan": ("jan", "janv", "janeiro", "januar", "janvier", "gen", "gennaio", "ene", "enero"),
    "feb": ("feb", "fev", "fevereiro", "februar", "févr", "fevr", "février", "febbraio", "febrero"),
    "mar": ("mar", "março", "marco", "märz", "mär", "mrz", "mars", "marzo"),
    "apr": ("apr", "abr", "abril", "april", "avr", "avril", "aprile"),
    "may": ("may", "mai", "maio", "mag", "maggio", "mayo"),
    "jun": ("jun", "junho", "juni", "juin", "giu", "giugno", "junio"),
    "jul": ("jul", "julho", "juli", "juil", "juillet", "lug", "luglio", "julio"),
    "aug": ("aug", "ago", "agosto", "august", "août", "aout"),
    "sep": ("sep", "sept", "set", "setembro", "september", "septembre", "settembre", "septiembre"),
    "oct": ("oct", "out", "outubro", "okt", "oktober", "octobre", "ott", "ottobre", "octubre"),
    "nov": ("nov", "novembro", "november", "novembre", "noviembre"),
    "dec": ("dec", "dez", "dezembro", "dezember", "déc", "dic", "décembre", "dicembre", "diciembre"),
}
_MONTH_OF = {name: english for english, names in _MONTHS.items() for name in names}
_LEADING_WEEKDAY = re.compile(r"^\s*[^\W\d_]+\.?,\s*")
_TWELVE_HOUR = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])\b")


def _utc(struct) -> datetime | None:
    """A UTC datetime from feedparser's struct_time (it normalizes every date format it knows to UTC)."""
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc).replace(tzinfo=None)
    except (OverflowError, ValueError, OSError):
        return None


def _reparse_date(raw: str | None) -> datetime | None:
    """A date feedparser misreads, by our rules: 12-hour clocks and non-English names, in UTC."""
    if not raw:
        return None
    # NBC New York writes "Sat, Dec 16 2023 02:02:33 PM": feedparser drops the PM
    text = _TWELVE_HOUR.sub(_to_24_hour, raw.strip())
    # UOL Noticias writes "Seg, 24 Set 2018 ...", Il Messaggero "mer, 16 nov 2022 ..."
    text = _LEADING_WEEKDAY.sub("", text)
    for word in re.findall(r"[^\W\d_]+\.?", text):
        english = _MONTH_OF.get(word.rstrip(".").lower())
        if english:
            text = text.replace(word, english.title(), 1)
            break
    return _utc(_feedparser_date(text))


def _to_24_hour(match: re.Match) -> str:
    hour = int(match.group(1)) % 12 + (12 if match.group(4).lower() == "pm" else 0)
    return f"{hour:02d}:{match.group(2)}:{match.group(3) or '00'}"


def _date(parsed, raw: str | None) -> tuple[datetime | None, str | None]:
    """(UTC datetime, how it was read: None for feedparser, "rules" for ours, "unparsed")."""
    value = _utc(parsed)
    if raw and (value is None or _TWELVE_HOUR.search(raw)):
        ours = _reparse_date(raw)
        if ours is not None:
            return ours, "rules"
        return value, None if value is not None else "unparsed"
    return value, None


def feed_dates(raw: dict) -> tuple[datetime | None, datetime | None, str | None, str | None, str | None]:
    """(published, updated, their raw strings, how they were read) of one feedparser entry."""
    published_raw = (raw.get("published") or "").strip() or None
    # an entry without an updated date is taken as updated when published: feedparser 6 does
    # this through a deprecated mapping it will drop, so it is spelled out here
    updated_key = "updated" if dict.get(raw, "updated") else "published"
    updated_raw = (dict.get(raw, updated_key) or "").strip() or None
    published, published_how = _date(raw.get("published_parsed"), published_raw)
    updated, updated_how = _date(dict.get(raw, f"{updated_key}_parsed"), updated_raw)
    return published, updated, published_raw, updated_raw, published_how or updated_how
