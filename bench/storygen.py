"""Synthetic story-shaped load for the benchmark: feeds of a big running story, from our own templates.

Ten leaders are quoted again and again (a small stock of statements each, so the same words recur
across days and outlets), articles run to about 600 words over 90 days, a share of articles are
wire copies carried by another outlet with the quotes unchanged, a share are carried again later
by the aggregator with an edited paragraph (a new version of the same article), and talks are
scheduled, moved and held. Every sentence comes from the templates below, written for eventwatch.
The output is deterministic for a given seed: RSS files and a feeds.yml that points at them.
"""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

START = datetime(2022, 1, 3, 6, 0)
DAYS = 90
OUTLETS = ["harbor-post", "ridge-times", "delta-herald", "summit-daily", "coast-ledger", "valley-wire"]
AGGREGATOR = "story-aggregator"
PER_FEED = 1200  # articles per feed file, so a file stays well under the fetch size limit

# (name with title, short name) -- actors of the gazetteer in seeds/actors.csv
LEADERS = [
    ("President Vladimir Putin", "Mr. Putin"), ("President Joe Biden", "Mr. Biden"),
    ("Foreign Minister Sergey Lavrov", "Mr. Lavrov"), ("Secretary of State Antony Blinken", "Mr. Blinken"),
    ("President Volodymyr Zelensky", "Mr. Zelensky"), ("Jens Stoltenberg", "Mr. Stoltenberg"),
    ("Chancellor Olaf Scholz", "Mr. Scholz"), ("President Emmanuel Macron", "Mr. Macron"),
    ("Dmitry Peskov", "Mr. Peskov"), ("Foreign Minister Dmytro Kuleba", "Mr. Kuleba"),
]
CUES = ["said", "warned", "told reporters", "insisted", "added", "stressed"]
SUBJECTS = ["the alliance", "our partners", "the border", "the sanctions", "the talks", "the troops",
            "the negotiations", "the security guarantees", "the gas pipeline", "the ceasefire"]
VERBS = ["will not accept", "must respect", "cannot ignore", "will answer", "should reconsider",
         "is ready to discuss", "has never threatened", "will defend", "rejects", "welcomes"]
OBJECTS = ["any further escalation", "a real diplomatic path", "the demands on the table",
           "new military deployments", "the sovereignty of every nation", "a written response",
           "the proposals sent last week", "an honest dialogue", "pressure from abroad", "these provocations"]
CITIES = ["Geneva", "Vienna", "Brussels", "Paris", "Berlin", "Minsk"]
EVENTS = ["talks", "meeting", "summit"]
FILLER = [
    "Officials in several capitals spent the day comparing notes on the latest satellite images.",
    "Markets in the region moved little as traders waited for a clearer signal from the diplomats.",
    "Residents near the frontier said they had grown used to the rumble of heavy vehicles at night.",
    "Analysts cautioned that public statements often diverge from what is said behind closed doors.",
    "The foreign ministry published a long statement restating positions it has held for months.",
    "Aid groups said they were preparing supplies in case the situation deteriorated quickly.",
    "Diplomats described the mood in the corridors as tense but not yet hopeless.",
    "Several lawmakers called for a vote on additional funding before the end of the month.",
    "Energy prices remained a concern for households across the continent this winter.",
    "Military observers counted more units arriving by rail than had left the area last week.",
    "Local newspapers carried maps of the positions reported by independent researchers.",
    "The embassy advised its citizens to keep their travel documents ready at all times.",
]


@dataclass(frozen=True)
class Article:
    """One generated article as an outlet's feed carries it."""

    outlet: str
    link: str
    title: str
    paragraphs: tuple[str, ...]
    published_at: datetime


def _statement_stock(rng: random.Random) -> list[list[str]]:
    """Each leader's stock of statements: a dozen, drawn once, repeated all winter."""
    return [[f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)}" for _ in range(12)]
            for _ in LEADERS]


def _quote(rng: random.Random, stock: list[list[str]], day: int) -> str:
    """One sentence quoting a leader: a statement of the stock, favoured on nearby days."""
    leader = rng.randrange(len(LEADERS))
    full, short = LEADERS[leader]
    statements = stock[leader]
    statement = statements[(day // 4 + rng.choice((0, 0, 0, 1, 2))) % len(statements)]
    name = full if rng.random() < 0.5 else short
    if rng.random() < 0.5:
        return f"“{statement},” {name} {rng.choice(CUES)}."
    return f"{name} {rng.choice(CUES)} that {statement[0].lower()}{statement[1:]}."


def _schedule(rng: random.Random, published_at: datetime) -> str:
    """A sentence scheduling, moving or reporting an event on a date after publication."""
    due = published_at + timedelta(days=rng.randint(2, 20))
    when = f"on {due:%b}. {due.day}" if due.month != 5 else f"on May {due.day}"
    city, event = rng.choice(CITIES), rng.choice(EVENTS)
    kind = rng.random()
    if kind < 0.7:
        return f"The {event} in {city} are set to open {when}, officials said."
    later = due + timedelta(days=rng.randint(1, 5))
    return f"The {event} in {city} planned {when} have been pushed back to {later:%b}. {later.day}, officials said."


def _paragraphs(rng: random.Random, stock: list[list[str]], day: int, published_at: datetime) -> list[str]:
    """About 600 words: quotes, schedule lines and background, in paragraphs of three sentences."""
    sentences: list[str] = []
    words = 0
    while words < 600:
        roll = rng.random()
        if roll < 0.35:
            sentence = _quote(rng, stock, day)
        elif roll < 0.42:
            sentence = _schedule(rng, published_at)
        else:
            sentence = rng.choice(FILLER)
        sentences.append(sentence)
        words += len(sentence.split())
    return [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]


def generate(count: int, seed: int = 13) -> list[Article]:
    """`count` articles over 90 days across the outlets, wire copies and edited re-runs included."""
    rng = random.Random(seed)
    stock = _statement_stock(rng)
    articles: list[Article] = []
    originals: list[Article] = []
    for number in range(count):
        published_at = START + timedelta(seconds=int(DAYS * 86400 * number / max(count, 1)))
        day = (published_at - START).days
        outlet = OUTLETS[number % len(OUTLETS)]
        link = f"https://{outlet}.example/{published_at:%Y/%m/%d}/story-{number}"
        if originals and rng.random() < 0.25:  # a wire copy: another outlet's recent article, quotes unchanged
            source = originals[-rng.randint(1, min(20, len(originals)))]
            paragraphs = tuple(rng.sample(source.paragraphs, len(source.paragraphs)))
            title = f"{source.title} (wire)"
        elif originals and rng.random() < 0.05:  # an edit: the aggregator re-runs a story with a new paragraph
            source = originals[-rng.randint(1, min(50, len(originals)))]
            paragraphs = source.paragraphs[:-1] + (f"Updated: {rng.choice(FILLER)} {_quote(rng, stock, day)}",)
            articles.append(Article(AGGREGATOR, source.link, source.title, paragraphs, published_at))
            continue
        else:
            paragraphs = tuple(_paragraphs(rng, stock, day, published_at))
            title = f"{LEADERS[number % len(LEADERS)][1]} on {rng.choice(SUBJECTS)}, day {day + 1} of the crisis"
        article = Article(outlet, link, title, paragraphs, published_at)
        originals.append(article)
        articles.append(article)
    return articles


def _rss(feed_id: str, articles: list[Article]) -> str:
    """An RSS 2.0 document carrying the articles, newest first."""
    items = []
    for article in sorted(articles, key=lambda a: a.published_at, reverse=True):
        body = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
        items.append(
            f"<item><title>{escape(article.title)}</title><link>{escape(article.link)}</link>"
            f"<guid isPermaLink=\"true\">{escape(article.link)}</guid>"
            f"<pubDate>{format_datetime(article.published_at.replace(tzinfo=timezone.utc))}</pubDate>"
            f"<description>{escape(body)}</description></item>"
        )
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{feed_id}</title>"
            f"<link>https://{feed_id}.example/</link><description>Synthetic load for eventwatch's benchmark"
            f"</description>{''.join(items)}</channel></rss>\n")


def write_feeds(articles: list[Article], folder: Path) -> Path:
    """Write one or more RSS files per outlet (PER_FEED articles each) and a feeds.yml; returns the latter."""
    folder.mkdir(parents=True, exist_ok=True)
    by_outlet: dict[str, list[Article]] = {}
    for article in articles:
        by_outlet.setdefault(article.outlet, []).append(article)
    lines = ["feeds:"]
    for outlet, carried in sorted(by_outlet.items()):
        for part in range(math.ceil(len(carried) / PER_FEED)):
            feed_id = f"{outlet}-{part + 1}"
            (folder / f"{feed_id}.rss").write_text(_rss(feed_id, carried[part * PER_FEED:(part + 1) * PER_FEED]),
                                                   encoding="utf-8")
            lines += [f"  - id: {feed_id}", f"    url: {feed_id}.rss", "    full_text: never"]
    feeds_file = folder / "feeds.yml"
    feeds_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return feeds_file


def as_of(articles: list[Article]) -> datetime:
    """An instant just after the last article, for a run that sees them all."""
    return max(a.published_at for a in articles) + timedelta(hours=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    articles = generate(args.count, args.seed)
    print(write_feeds(articles, args.folder), as_of(articles).isoformat())


if __name__ == "__main__":
    main()
