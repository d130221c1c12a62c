import pytest

from pipelines.fetch.feeds import FeedsFileError, add_feed, load_feeds, remove_feed
from tests.conftest import SAMPLE_FEEDS


def test_sample_feeds_file_is_valid_and_paths_resolve():
    feeds = load_feeds(SAMPLE_FEEDS)
    assert len(feeds) >= 5
    for feed in feeds:
        assert feed.location.startswith("file://")


def test_add_list_remove(tmp_path):
    path = tmp_path / "feeds.yml"
    add_feed(path, "one", "https://one.example/rss.xml", name="One", tags=("x",))
    add_feed(path, "two", "local/two.xml")
    feeds = load_feeds(path)
    assert [f.id for f in feeds] == ["one", "two"]
    assert feeds[1].location == (tmp_path / "local" / "two.xml").resolve().as_uri()
    with pytest.raises(FeedsFileError, match="appears twice"):
        add_feed(path, "one", "https://other.example/")
    remove_feed(path, "one")
    assert [f.id for f in load_feeds(path)] == ["two"]
    with pytest.raises(FeedsFileError, match="no feed with id"):
        remove_feed(path, "one")


@pytest.mark.parametrize(
    "text, message",
    [
        ("feeds:\n  - id: Bad_Id\n    url: https://x.example/\n", r"must match \[a-z0-9-\]\+"),
        ("feeds:\n  - id: ok\n", "has no url"),
        ("feeds:\n  - id: ok\n    url: ftp://x.example/feed\n", "is not http, https or file"),
        ("feeds: [unclosed\n", "not valid YAML"),
        ("- just a list\n", "top-level 'feeds:' list"),
    ],
)
def test_invalid_feeds_files_are_rejected_with_a_clear_reason(tmp_path, text, message):
    path = tmp_path / "feeds.yml"
    path.write_text(text)
    with pytest.raises(FeedsFileError, match=message):
        load_feeds(path)
