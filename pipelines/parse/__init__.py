"""Bytes to records, no network and no database: feeds (feed.py, with their dates in dates.py), their
encodings (encoding.py), the HTML they carry (sanitize.py) and article pages' main text (page.py)."""
