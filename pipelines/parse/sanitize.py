"""Feed HTML made safe to display, and turned into clean text for extraction.

feedparser's sanitizer is the first pass; it still lets `<form action="javascript:...">`, `<svg>`
and unknown attributes through. `sanitize_html` is the second: nh3 (Python bindings of Ammonia,
which parses with html5ever, a browser-grade HTML5 parser) keeps only plain document markup, only
harmless attributes, and only http(s), mailto and relative URLs. No script, style, event handler,
frame, form or `javascript:` URL survives it. Two small things stay hand-written: `safe_url`,
which also judges URLs outside HTML (entry links, enclosures) and resolves relative ones against
the entry's base, and `html_to_text`, which turns the sanitized HTML into the text the extractors
read (nh3 does not extract text).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
}
# dropped together with everything inside them
_DROP_WITH_CONTENT = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
                      "math", "template", "noscript", "noembed", "noframes", "textarea", "select", "title",
                      "head"}
_ALLOWED_ATTRS = {
    "*": set(),  # none on every tag: Ammonia's default allows lang and title everywhere
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_URL_ATTRS = {"href", "src", "cite"}
_SAFE_SCHEMES = {"http", "https", "mailto"}
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr",
               "section", "article", "pre", "figure", "figcaption", "table", "dl", "dt", "dd", "hr"}
_MAX_DEPTH = 256
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*>")
# void elements and those whose end tag may be left out: they do not pile up on the parser's stack
_NOT_NESTING = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
                "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rb", "rt",
                "rp", "colgroup", "caption"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# browsers ignore these inside a URL's scheme ("java\tscript:" runs): strip them before judging
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def safe_url(value: str | None, base: str | None = None) -> str | None:
    """The URL (resolved against `base` when relative) if it is http(s), mailto or relative, else None."""
    if value is None:
        return None
    url = value.strip()
    match = _SCHEME.match(_URL_NOISE.sub("", html.unescape(url)))
    if match is not None:
        return url if match.group(1).lower() in _SAFE_SCHEMES else None
    if base and url and not url.startswith("#"):
        try:
            joined = urljoin(base, url)
        except ValueError:  # a malformed host such as "http://example.c[o.test/"
            return url
        scheme = _SCHEME.match(joined)
        if scheme is not None and scheme.group(1).lower() in _SAFE_SCHEMES:
            return joined
    return url


def _bounded_depth(fragment: str) -> str:
    """The fragment with start tags nested deeper than _MAX_DEPTH (and their end tags) removed.

    html5ever's tree building takes time quadratic in nesting depth (10,000 nested divs: over a
    second), so a hostile entry could stall a run. Elements whose end tag is optional or absent
    (p, li, br...) are not counted: a long list of unclosed ones is not deep. Real entries stay far
    below the limit and pass unchanged.
    """
    depth = excess = 0
    parts, last = [], 0
    for match in _TAG.finditer(fragment):
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name in _NOT_NESTING:
            continue
        if not closing and depth < _MAX_DEPTH:
            depth += 1
        elif not closing:  # too deep: drop the tag, keep what follows
            excess += 1
            parts.append(fragment[last:match.start()])
            last = match.end()
        elif excess:
            excess -= 1
            parts.append(fragment[last:match.start()])
            last = match.end()
        elif depth:
            depth -= 1
    return "".join(parts) + fragment[last:] if parts else fragment


def sanitize_html(fragment: str | None, base: str | None = None) -> str:
    """HTML safe to display: allow-listed tags and attributes, safe URLs, balanced tags."""

    def urls(tag: str, attribute: str, value: str) -> str | None:
        # nh3 has already checked the scheme; this also resolves relative URLs against the entry's base
        return safe_url(value, base) if attribute in _URL_ATTRS else value

    return nh3.clean(_bounded_depth(fragment or ""), tags=_ALLOWED_TAGS, clean_content_tags=_DROP_WITH_CONTENT,
                     attributes=_ALLOWED_ATTRS, attribute_filter=urls, url_schemes=_SAFE_SCHEMES,
                     strip_comments=True, link_rel=None)  # no rel added: the display decides how links open


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(fragment: str | None) -> str:
    """Readable plain text: tags dropped, entities decoded, paragraphs kept as blank lines."""
    parser = _TextExtractor()
    parser.feed(fragment or "")
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    paragraphs = [re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paragraphs if p)
