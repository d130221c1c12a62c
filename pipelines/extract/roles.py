"""Roles held with dates (seeds/roles.csv) and the role descriptions that refer to their holders.

A role row says who held which office of which country or organization from when to when
(`start_date` inclusive, `end_date` exclusive: the day the successor took over; empty while held).
A role description in text ("the German chancellor", "Russia's foreign minister", "the Kremlin
spokesman", "the president of Ukraine", "the former chancellor", "his American counterpart",
"his predecessor") names an office, not a person; `resolve` picks the holder on the article's
publication date:

1. a qualifier (a nationality, a country, a capital, an organization, "of Ukraine", "to the OSCE")
   restricts the holders to that country or organization; the one holder left is the answer;
2. without one, the nearest person mentioned earlier in the article who holds the office is;
3. else the holder in the country the article has mentioned most so far (the latest on a tie);
4. else the only holder of that exact title anywhere ("the secretary of state" in 2022: Blinken).

Titles are matched exactly first ("foreign minister" is not "secretary of state"), then by class
("Britain's top diplomat" is its foreign secretary). "leader" means the head of government where
that is the chancellor or prime minister, else the president.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Role terms as written (lower case) -> the canonical title they name.
ROLE_TERMS: dict[str, str] = {
    "president": "president",
    "vice president": "vice president",
    "prime minister": "prime minister",
    "premier": "prime minister",
    "chancellor": "chancellor",
    "vice chancellor": "vice chancellor",
    "foreign minister": "foreign minister",
    "foreign secretary": "foreign secretary",
    "secretary of state": "secretary of state",
    "top diplomat": "top diplomat",
    "chief diplomat": "top diplomat",
    "foreign policy chief": "foreign policy chief",
    "defense minister": "defense minister",
    "defence minister": "defense minister",
    "defense secretary": "defense secretary",
    "defence secretary": "defence secretary",
    "finance minister": "finance minister",
    "deputy foreign minister": "deputy foreign minister",
    "deputy secretary of state": "deputy secretary of state",
    "under secretary of state": "under secretary of state",
    "assistant secretary of state": "assistant secretary of state",
    "national security adviser": "national security adviser",
    "national security advisor": "national security adviser",
    "spokesman": "spokesman",
    "spokeswoman": "spokeswoman",
    "spokesperson": "spokesperson",
    "press secretary": "press secretary",
    "secretary general": "secretary general",
    "secretary-general": "secretary general",
    "ambassador": "ambassador",
    "envoy": "ambassador",
    "chief of the general staff": "chief of the general staff",
    "foreign policy adviser": "foreign policy adviser",
    "foreign policy aide": "foreign policy adviser",
    "leader": "leader",
}
# Titles that name the same office in different countries.
_CLASSES: dict[str, str] = {
    "foreign minister": "foreign", "foreign secretary": "foreign", "secretary of state": "foreign",
    "top diplomat": "foreign", "foreign policy chief": "foreign",
    "defense minister": "defense", "defense secretary": "defense", "defence secretary": "defense",
    "spokesman": "spokesperson", "spokeswoman": "spokesperson", "spokesperson": "spokesperson",
    "press secretary": "spokesperson",
}
# The title of a country's "leader" where it is not the president.
_LEADER_TITLES = {"DE": "chancellor", "GB": "prime minister", "IT": "prime minister", "EE": "prime minister",
                  "LV": "prime minister", "HU": "prime minister", "IL": "prime minister", "JP": "prime minister",
                  "CA": "prime minister", "SE": "prime minister", "CZ": "prime minister", "SK": "prime minister"}
DEMONYMS: dict[str, str] = {
    "russian": "RU", "american": "US", "u.s.": "US", "us": "US", "ukrainian": "UA", "belarusian": "BY",
    "german": "DE", "french": "FR", "british": "GB", "chinese": "CN", "polish": "PL", "lithuanian": "LT",
    "latvian": "LV", "estonian": "EE", "finnish": "FI", "swedish": "SE", "romanian": "RO", "moldovan": "MD",
    "hungarian": "HU", "slovak": "SK", "czech": "CZ", "italian": "IT", "turkish": "TR", "canadian": "CA",
    "japanese": "JP", "kazakh": "KZ", "georgian": "GE", "israeli": "IL", "swiss": "CH",
}


@dataclass(frozen=True)
class Role:
    """One office held by one actor over a period."""

    actor_id: str
    title: str
    of: str  # a country code (RU) or an organization's actor id (nato, kremlin)
    to: str | None  # for ambassadors: the country code or organization they are sent to
    start: date
    end: date | None  # exclusive; None while held

    def held_on(self, day: date) -> bool:
        """Whether the office was held on that day."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class RoleQuery:
    """What a role description asks for."""

    title: str  # canonical title, or "leader"
    of: frozenset[str] = frozenset()  # acceptable `of` values (country code, organization ids)
    to: frozenset[str] = frozenset()
    former: bool = False


def load_roles(path: Path) -> tuple[Role, ...]:
    """Read seeds/roles.csv."""
    if not path.exists():
        return ()
    with open(path, newline="", encoding="utf-8") as handle:
        return tuple(
            Role(
                actor_id=row["actor_id"].strip(),
                title=row["role"].strip().lower(),
                of=row["of"].strip(),
                to=(row.get("to") or "").strip() or None,
                start=date.fromisoformat(row["start_date"].strip()),
                end=date.fromisoformat(row["end_date"].strip()) if (row.get("end_date") or "").strip() else None,
            )
            for row in csv.DictReader(handle)
        )


def title_class(title: str) -> str:
    """The office class of a title (itself when it has none)."""
    return _CLASSES.get(title, title)


def matches(role: Role, query: RoleQuery, exact: bool) -> bool:
    """Whether a role answers a query's title and qualifiers (exact title, or same class)."""
    if query.title == "leader":
        if role.of.isupper() and len(role.of) == 2:
            if role.title != _LEADER_TITLES.get(role.of, "president"):
                return False
        else:
            return False
    elif exact and role.title != query.title:
        return False
    elif not exact and title_class(role.title) != title_class(query.title):
        return False
    if query.of and role.of not in query.of:
        return False
    if query.to and (role.to or "") not in query.to:
        return False
    return True


def holders(roles: tuple[Role, ...], query: RoleQuery, day: date) -> list[Role]:
    """Roles answering the query on that day (exact titles first, else the same class); for a
    'former' query, the latest holder whose term had ended by then."""
    for exact in (True, False):
        if query.former:
            ended = [r for r in roles if matches(r, query, exact) and r.end is not None and r.end <= day]
            if ended:
                latest = max(r.end for r in ended)
                return [r for r in ended if r.end == latest]
        else:
            found = [r for r in roles if matches(r, query, exact) and r.held_on(day)]
            if found:
                return found
    return []


def roles_of(roles: tuple[Role, ...], actor_id: str, day: date) -> list[Role]:
    """The offices an actor held on a day."""
    return [r for r in roles if r.actor_id == actor_id and r.held_on(day)]


def predecessor(roles: tuple[Role, ...], actor_id: str, day: date) -> str | None:
    """Who held the actor's office (on that day) before them."""
    for office in roles_of(roles, actor_id, day):
        before = [r for r in roles if r.title == office.title and r.of == office.of
                  and r.actor_id != actor_id and r.end is not None and r.end <= office.start]
        if before:
            return max(before, key=lambda r: r.end).actor_id
    return None


def counterpart(roles: tuple[Role, ...], actor_id: str, country: str, day: date) -> str | None:
    """Who holds, in another country, the office the actor holds on that day."""
    for office in roles_of(roles, actor_id, day):
        if not (office.of.isupper() and len(office.of) == 2):
            continue
        found = [r for r in roles if r.of == country and r.held_on(day) and r.actor_id != actor_id
                 and title_class(r.title) == title_class(office.title)]
        if len({r.actor_id for r in found}) == 1:
            return found[0].actor_id
    return None


def term_pattern() -> str:
    """Regex alternation of the role terms, longest first."""
    return "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in sorted(ROLE_TERMS, key=len, reverse=True))
