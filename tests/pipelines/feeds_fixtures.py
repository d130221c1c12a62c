"""Small feeds written for the unit tests (our own words)."""

RSS_TWO_ITEMS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test Wire</title><link>https://testwire.example/</link>
<item>
  <title>Envoys plan a second round of talks</title>
  <link>https://testwire.example/2022/01/04/second-round?utm_source=rss#top</link>
  <guid isPermaLink="false">tw-1</guid>
  <pubDate>Tue, 04 Jan 2022 09:30:00 -0500</pubDate>
  <description>&lt;p&gt;Envoys said the talks would open in Geneva on Jan. 10.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;p onclick="x()"&gt;More &lt;a href="javascript:evil()"&gt;here&lt;/a&gt;.&lt;/p&gt;</description>
</item>
<item>
  <title>A quiet day in Vienna</title>
  <link>https://testwire.example/2022/01/03/quiet-day/</link>
  <description>Diplomats met briefly and left without comment.</description>
</item>
</channel></rss>
"""

RSS_TWO_ITEMS_EDITED = RSS_TWO_ITEMS.replace(b"A quiet day in Vienna", b"A quiet day in Vienna, then a statement")

ATOM_WITH_BASE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://harbourdesk.example/news/">
  <title>Harbour Desk</title>
  <id>tag:harbourdesk.example,2022:feed</id>
  <updated>2022-01-12T08:00:00+01:00</updated>
  <link href="/"/>
  <entry xml:base="2022/01/">
    <title type="html">Ferry talks &lt;em&gt;resume&lt;/em&gt;</title>
    <id>tag:harbourdesk.example,2022:ferry</id>
    <link href="ferry-talks.html"/>
    <published>2022-01-12T08:00:00+01:00</published>
    <updated>2022-01-12T09:15:00+01:00</updated>
    <content type="html">&lt;p&gt;Negotiators met at the &lt;a href="../../port/office.html"&gt;port office&lt;/a&gt;
      and agreed to meet again &lt;img src="/img/map.png" alt="map"&gt; next week.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Harbour dues unchanged</title>
    <id>tag:harbourdesk.example,2022:dues</id>
    <link href="https://harbourdesk.example/news/2022/01/dues.html"/>
    <updated>2022-01-11T17:00:00Z</updated>
    <summary>The harbour board kept the dues as they were.</summary>
  </entry>
</feed>
"""

RDF_ONE_ITEM = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://valleypost.example/rss"><title>Valley Post</title>
    <link>https://valleypost.example/</link><description>Summaries</description></channel>
  <item rdf:about="https://valleypost.example/bridge">
    <title>Bridge reopens after repairs</title>
    <link>https://valleypost.example/bridge</link>
    <description>Traffic crossed the river again on Monday morning.</description>
    <dc:date>2022-01-10T06:30:00+03:00</dc:date>
  </item>
</rdf:RDF>
"""

# Text with accents, curly quotes and Cyrillic, for the charset tests (encoded per test)
ACCENTED_TITLE = "Café talks in Zürich end with a “pause” — переговоры"
LATIN_TITLE = "Café talks in Zürich end with a “pause” — à bientôt"


def rss_with_title(title: str, encoding_decl: str | None, body_encoding: str) -> bytes:
    """One item whose title and description are `title`, encoded as `body_encoding`."""
    decl = f'<?xml version="1.0" encoding="{encoding_decl}"?>\n' if encoding_decl else ""
    text = (f"{decl}<rss version=\"2.0\"><channel><title>Charset Desk</title><link>https://charset.example/</link>"
            f"<item><title>{title}</title><guid>c-1</guid><link>https://charset.example/1</link>"
            f"<pubDate>Mon, 10 Jan 2022 10:00:00 +0000</pubDate><description>{title}. {title}.</description>"
            f"</item></channel></rss>")
    return text.encode(body_encoding)


# Several sentences of Russian (written for these tests), long enough for content detection
RUSSIAN_TEXT = ("Переговоры в Женеве продолжатся на следующей неделе. Дипломаты обеих сторон сказали, что "
                "встреча прошла спокойно, но без заметного прогресса. Министр заявил журналистам, что новые "
                "предложения будут переданы в ближайшие дни, а ответ ожидается до конца месяца.")

SANITIZE_ME = """<p onclick="steal()">Allowed <b>bold</b> and <a href="https://ok.example/a" onmouseover="x()" style="color:red">a link</a>.</p>
<script>document.write('bad')</script><style>p { display: none }</style>
<a href="javascript:alert(1)">js</a> <a href=" JaVaScRiPt:alert(2)">js2</a> <a href="java&#x09;script:alert(3)">js3</a>
<a href="vbscript:msgbox(1)">vb</a> <a href="data:text/html;base64,PHNjcmlwdD4=">data</a>
<img src="https://ok.example/i.png" onerror="alert(4)" alt="pic"><img src="javascript:alert(5)">
<iframe src="https://evil.example/frame">framed text</iframe><object data="x.swf">obj</object>
<svg onload="alert(6)"><circle r="3"/></svg>
<form action="javascript:alert(7)"><button formaction="javascript:alert(8)">Press</button></form>
<a href="relative/page.html">relative</a> <a href="mailto:desk@ok.example">mail</a>
<div><unknown-tag data-x="1">kept text</unknown-tag></div>"""
