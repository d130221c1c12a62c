"""Suite for the normalized articles: one canonical URL per article, clean URLs, sanitized HTML,
readable text. Runs with the raw-entries suite, before extraction reads the articles."""

from __future__ import annotations

from datetime import datetime

import great_expectations.expectations as gxe

from expectations import Gate

_ARTICLES = """
    select article_id,
           count(distinct canonical_url) as canonical_urls,
           any_value(canonical_url) as canonical_url,
           count(distinct content_hash) as versions,
           count(distinct feed_id) as sources
    from raw.entries group by article_id
"""


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
        )),
        Gate("fetch", "article_versions", "select * from raw.entries", (
            # the sanitizer's promise: nothing active survives into stored HTML
            gxe.ExpectColumnValuesToNotMatchRegex(column="content_html",
                                                  regex=r"(?i)<script|<style|\son[a-z]+\s*=|javascript:"),
            gxe.ExpectColumnValueLengthsToBeBetween(column="title", min_value=1, max_value=1000),
            # mojibake: UTF-8 read as cp1252/latin-1 leaves these pairs behind
            gxe.ExpectColumnValuesToNotMatchRegex(column="content_text", regex=r"Ã[\x80-\xbf©¨¢®]|â€[™œ\x9d“”]",
                                                  mostly=0.99, severity="warning"),
            gxe.ExpectColumnValuesToNotMatchRegex(column="title", regex=r"Ã[\x80-\xbf©¨¢®]|â€[™œ\x9d“”]",
                                                  mostly=0.99, severity="warning"),
        )),
    ]
