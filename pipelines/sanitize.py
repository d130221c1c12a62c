"""Feed HTML made safe to display, and turned into clean text for extraction.

feedparser's sanitizer is the first pass; it still lets `<form action="javascript:...">`, `<svg>`
and unknown attributes through. `sanitize_html` is the second: an allow-list re-serializer that
keeps only plain document markup, only harmless attributes, and only http(s), mailto and relative
URLs. No script, style, event handler, frame, form or `javascript:` URL survives it.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
}
_VOID_TAGS = {"br", "hr", "img"}
# dropped together with everything inside them
_DROP_WITH_CONTENT = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
                      "math", "template", "noscript", "noembed", "noframes", "textarea", "select", "title",
                      "head"}
_ALLOWED_ATTRS = {
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


class _Sanitizer(HTMLParser):
    def __init__(self, base: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag, attrs, closed):
        if self.dropping:
            if tag == self.dropping[-1] and not closed and tag not in _VOID_TAGS:
                self.dropping.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            if not closed:
                self.dropping.append(tag)
            return
        if tag not in _ALLOWED_TAGS:
            return  # unknown wrapper: drop the tag, keep its text
        kept = []
        for name, value in attrs:
            if name not in _ALLOWED_ATTRS.get(tag, ()) or value is None:
                continue
            if name in _URL_ATTRS:
                value = safe_url(value, self.base)
                if value is None:
                    continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in _VOID_TAGS and not closed:
            self.open.append(tag)
        elif tag not in _VOID_TAGS:
            self.out.append(f"</{tag}>")

    def handle_endtag(self, tag):
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in self.open:
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == tag:
                    break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def sanitize_html(fragment: str | None, base: str | None = None) -> str:
    """HTML safe to display: allow-listed tags and attributes, safe URLs, balanced tags."""
    parser = _Sanitizer(base)
    parser.feed(fragment or "")
    parser.close()
    return parser.result()


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
