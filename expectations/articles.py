"""Suite for the normalized articles: one canonical URL per article, clean URLs, sanitized HTML,
readable text. Runs with the raw-entries suite, before extraction reads the articles.

Whether stored HTML is active is decided on the markup as a browser's parser sees it (tags,
attributes, URL schemes; `active_markup`), never by a pattern over the serialized string: a code
snippet such as `case One = 1` or the words "set onload = 1" are text. An entry whose HTML is
active, or whose title is empty or absurdly long, is quarantined; the other entries go on.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import great_expectations.expectations as gxe

from expectations import QUARANTINE, Gate

_ARTICLES = """
    select article_id,
           count(distinct canonical_url) as canonical_urls,
           any_value(canonical_url) as canonical_url,
           count(distinct content_hash) as versions,
           count(distinct feed_id) as sources
    from raw.entries group by article_id
"""

# elements that run code, load a document or style, or submit: none may survive the sanitizer
ACTIVE_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link",
               "meta", "form", "svg", "math"}
# attributes a browser follows or loads as a URL
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
             "srcset", "lowsrc", "dynsrc", "longdesc", "ping", "codebase", "manifest", "icon"}
ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:")
# browsers ignore these inside a URL's scheme ("java\tscript:" runs): strip them before judging
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_ACTIVE_STYLE = re.compile(r"expression\(|(?:javascript|vbscript):")


class _ActiveMarkup(HTMLParser):
    """Collects what is active in a document: tags, event handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self.found.append(f"{name} on <{tag}>")
            return
        squeezed = _URL_NOISE.sub("", value).lower()  # the parser has already decoded &#x09; and friends
        if name in URL_ATTRS:
            urls = squeezed.split(",") if name == "srcset" else [squeezed]
            for scheme in ACTIVE_SCHEMES:
                if any(url.startswith(scheme) for url in urls):
                    self.found.append(f"{scheme} in {name} of <{tag}>")
        elif name == "style" and _ACTIVE_STYLE.search(squeezed):
            self.found.append(f"script in style of <{tag}>")


def active_markup(html: str | None) -> str | None:
    """What in `html` a browser would run or load actively (e.g. "onclick on <p>"), or None when inert."""
    if not html:
        return None
    parser = _ActiveMarkup()
    try:
        parser.feed(html)
        parser.close()
    except Exception as exc:  # stored HTML our sanitizer wrote should always parse: if not, hold it back
        return f"unparseable HTML: {exc}"
    return "; ".join(dict.fromkeys(parser.found)) or None


# every stored entry version; `active_html` (what of its HTML is active, null when inert) is derived
# in Python from content_html, on the versions the gate judges
ENTRY_VERSIONS = "select entry_version_id, title, content_text, content_html from raw.entries"


def gates(as_of: datetime) -> list[Gate]:
    return [
        Gate("fetch", "articles", _ARTICLES, (
            gxe.ExpectColumnValuesToBeUnique(column="article_id"),
            gxe.ExpectColumnValuesToBeBetween(column="canonical_urls", min_value=0, max_value=1),
            gxe.ExpectColumnValuesToBeUnique(column="canonical_url"),
            gxe.ExpectColumnValuesToMatchRegex(column="canonical_url", regex=r"^https://[^/#\s]+(?:/[^#\s]*)?$"),
            gxe.ExpectColumnValuesToNotMatchRegex(column="canonical_url", regex=r"[?&](?:utm_[a-z]+|fbclid|gclid)="),
            # an article edited a dozen times a day is a feed that rewrites its items: look at it
            gxe.ExpectColumnValuesToBeBetween(column="versions", min_value=1, max_value=20, severity="warning"),
        ), key="article_id", unit=("article_id",)),
        Gate("fetch", "article_versions", ENTRY_VERSIONS, (
            # the sanitizer's promise: nothing active survives into stored HTML; an entry that breaks it is held back
            gxe.ExpectColumnValuesToBeNull(column="active_html", meta=QUARANTINE),
            gxe.ExpectColumnValueLengthsToBeBetween(column="title", min_value=1, max_value=1000, meta=QUARANTINE),
            # mojibake: UTF-8 read as cp1252/latin-1 leaves these pairs behind
            gxe.ExpectColumnValuesToNotMatchRegex(column="content_text", regex=r"Ã[\x80-\xbf©¨¢®]|â€[™œ\x9d“”]",
                                                  mostly=0.99, severity="warning"),
            gxe.ExpectColumnValuesToNotMatchRegex(column="title", regex=r"Ã[\x80-\xbf©¨¢®]|â€[™œ\x9d“”]",
                                                  mostly=0.99, severity="warning"),
        ), key="entry_version_id", relation="raw.entries", unit=("entry_version_id",),
            derive=(("active_html", "content_html", active_markup),)),
    ]
