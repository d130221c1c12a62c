"""Article pages and feeds for the page tests, written for eventwatch: a story inside realistic site chrome."""

from __future__ import annotations

from html import escape

CHROME_WORDS = ("cookies", "Accept all", "Newsletter", "inbox", "Related stories", "All rights reserved",
                "Privacy policy", "Subscribe", "dataLayer", "Log in")

STORY = [
    "Foreign ministers of the alliance will meet in Riga on March 3, a spokesman for the alliance said on "
    "Monday, after a week in which talks with Moscow made no progress on troop withdrawals near the border.",
    "Secretary General Jens Stoltenberg said that the meeting would prepare the summit planned for June. "
    "“We are ready to talk, and we are ready to defend every ally,” Mr. Stoltenberg said.",
    "Dmitry Peskov, the Kremlin spokesman, warned that any new deployment in the Baltic states would be "
    "answered. He said that Moscow had not yet received a written reply to its proposals.",
    "Diplomats said a second round of talks could take place in Vienna on Feb. 28 if both sides agreed on "
    "an agenda by the end of the week. Officials in several capitals said the coming days would show "
    "whether the Kremlin wanted an agreement or only more time.",
]
EDIT = ("Correction: the ministers will now meet in Riga on March 4, a day later than first announced, the "
        "spokesman said in a statement on Tuesday.")


def article_page(title: str, paragraphs: list[str], *, canonical: str | None = None,
                 published: str | None = None, modified: str | None = None, author: str = "Lena Ardent") -> bytes:
    """An HTML article page with nav, cookie banner, newsletter box, related links, scripts and a footer."""
    head = [f"<title>{escape(title)} | The Harbour Desk</title>", f'<meta name="author" content="{author}">']
    if canonical:
        head += [f'<link rel="canonical" href="{canonical}">', f'<meta property="og:url" content="{canonical}">']
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    if modified:
        head.append(f'<meta property="article:modified_time" content="{modified}">')
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{''.join(head)}
<script>window.dataLayer = []; dataLayer.push({{"page": "article"}});</script></head><body>
<div class="cookie-banner"><p>We use cookies to personalise content and ads and to analyse our traffic. Accept all
cookies or choose which ones we may use.</p><button>Accept all</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/subscribe">Subscribe</a></li><li><a href="/login">Log in</a></li></ul></nav></header>
<main><article><h1>{escape(title)}</h1><p class="byline">By {author}</p>
{body}
</article>
<aside class="newsletter"><h2>Newsletter</h2><p>The morning briefing from our foreign desk, straight to your inbox
every weekday. Sign up today.</p><form><input type="email"><button>Subscribe</button></form></aside>
<section class="related"><h2>Related stories</h2><ul><li><a href="/r/1">Ferry strike ends after nine days</a></li>
<li><a href="/r/2">Port dues to rise in spring</a></li><li><a href="/r/3">A new bridge for the old town</a></li></ul></section>
</main><footer><p><a href="/privacy">Privacy policy</a> · <a href="/terms">Terms</a></p>
<p>© 2022 The Harbour Desk. All rights reserved.</p></footer>
<script src="/ads.js"></script><script>dataLayer.push({{"event": "view"}});</script></body></html>""".encode()


PAYWALL_STUB = b"""<!DOCTYPE html><html><head><title>Subscribe to read | The Harbour Desk</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Ministers to meet in Riga</h1>
<p>This article is for subscribers.</p></article>
<div class="paywall"><p>Subscribe for full access.</p><button>Subscribe</button></div></body></html>"""


def rss(items: list[dict]) -> bytes:
    """An RSS 2.0 feed; each item: title, link, guid, description, optional content (full HTML) and pubDate."""
    out = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Harbour Desk</title>'
           '<link>https://harbourdesk.example/</link><description>Test feed</description>']
    for item in items:
        out.append("<item>")
        for tag in ("title", "link", "guid", "description", "pubDate"):
            if item.get(tag):
                out.append(f"<{tag}>{escape(item[tag])}</{tag}>")
        if item.get("content"):
            out.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "".join(out).encode()
