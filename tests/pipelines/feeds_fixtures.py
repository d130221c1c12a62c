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
