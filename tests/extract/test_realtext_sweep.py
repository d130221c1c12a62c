"""Every real document we can read goes through extract_article without an exception.

Third-party text (../shared/realtext: PolNeAR and TimeBank; ../shared/corpus/feeds parsed by our own
parser), read in place and never copied here; each source is skipped when its folder is absent. A
failure lists the documents that raised and the exception each raised, not the text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from pipelines.extract import extract_article, load_gazetteer
from pipelines.parse.feed import parse_feed
from tests.conftest import REPO, SHARED_CORPUS

REALTEXT = REPO.parent / "shared" / "realtext"
FEEDS = SHARED_CORPUS / "feeds"
POLNEAR_PUBLISHED = datetime(2016, 6, 1, tzinfo=UTC)  # PolNeAR is 2015–16 news; any fixed day
FEED_FALLBACK = datetime(2022, 1, 1)  # an entry without a date

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

_TAG = re.compile(r"<[^>]+>")
_TEXT = re.compile(r"<TEXT>(.*)</TEXT>", re.DOTALL)
_DCT = re.compile(r'<DCT>\s*<TIMEX3[^>]*\bvalue="(\d{4}-\d{2}-\d{2})')


def _polnear() -> Iterator[tuple[str, str, datetime]]:
    for split in ("train", "dev"):
        for path in sorted((REALTEXT / "polnear" / split / "text").glob("*.txt")):
            yield f"polnear/{split}/{path.name}", path.read_text(encoding="utf-8"), POLNEAR_PUBLISHED


def _timebank() -> Iterator[tuple[str, str, datetime]]:
    for path in sorted((REALTEXT / "timebank").glob("*.tml")):
        tml = path.read_text(encoding="utf-8")
        body, dct = _TEXT.search(tml), _DCT.search(tml)
        assert body and dct, f"{path.name}: no <TEXT> or no <DCT> date"
        text = html.unescape(_TAG.sub("", body.group(1)))
        yield f"timebank/{path.name}", text, datetime.fromisoformat(dct.group(1)).replace(tzinfo=UTC)


def _feeds() -> Iterator[tuple[str, str, datetime]]:
    for path in sorted(FEEDS.iterdir()):
        for number, entry in enumerate(parse_feed(path.read_bytes()).entries):
            text = (entry.title or "") + "\n\n" + (entry.content_text or "")  # as the extract stage builds it
            yield f"feeds/{path.name}#{number}", text, entry.published_at or FEED_FALLBACK


_SOURCES = {
    "polnear": (REALTEXT / "polnear", _polnear),
    "timebank": (REALTEXT / "timebank", _timebank),
    "feeds": (FEEDS, _feeds),
}


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


@pytest.mark.reliability(
    kind="input", fault="every real news text at hand (PolNeAR, TimeBank, the shared feed corpus)",
    outcome="each document extracts; none raises", lost="nothing")
@pytest.mark.parametrize("source", sorted(_SOURCES))
def test_no_real_document_raises(gazetteer, source):
    folder, documents = _SOURCES[source]
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    raised, count = [], 0
    for name, text, published_at in documents():
        count += 1
        try:
            extract_article(text, published_at, gazetteer)
        except Exception as exc:  # noqa: BLE001 - collected so that one run names every failing document
            raised.append(f"{name}: {type(exc).__name__}: {exc}")
    assert count, f"{folder} holds no documents"
    assert not raised, f"{len(raised)} of {count} documents raised:\n" + "\n".join(raised)
