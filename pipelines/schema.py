"""DDL of the tables eventwatch's Python stages own: raw.*, extract.*, quality.*.

dbt owns staging, intermediate and marts (dbt_project/). Every timestamp is naive UTC.
"""

from __future__ import annotations

import duckdb

DDL = """
create schema if not exists raw;
create schema if not exists extract;
create schema if not exists quality;

-- one row per fetch attempt, success or not
create table if not exists raw.fetch_log (
    fetch_id          varchar primary key,
    run_id            varchar not null,
    feed_id           varchar not null,
    url               varchar not null,     -- as requested (the feed's URL after permanent redirects)
    http_status       integer,          -- null when there was no HTTP response (file, refused...)
    error             varchar,          -- null on success
    bytes             bigint,           -- body size after decompression
    etag              varchar,
    last_modified     varchar,
    duration_ms       double,
    archive_sha256    varchar,          -- content address of the body in the raw archive
    fetched_at        timestamp not null,
    entries_seen      integer,          -- seen = new + new_version + unchanged + quarantined
    entries_new       integer,          -- entries whose key was never stored before
    entries_new_version integer,        -- known keys with a changed title or body
    entries_unchanged integer,
    entries_quarantined integer,
    bozo_reason       varchar           -- why the feed was not well-formed, when it was not
);

-- append-only: one row per (feed, entry key, content hash) the first time it is seen
create table if not exists raw.entries (
    entry_version_id  varchar primary key,  -- hash(feed_id, entry_key, content_hash)
    feed_id           varchar not null,
    entry_key         varchar not null,     -- guid, else canonical link, else hash(title, date)
    article_id        varchar not null,     -- hash(canonical_url) (or of the entry key when no link)
    canonical_url     varchar,
    url               varchar,              -- link as the feed gave it
    guid              varchar,
    title             varchar,
    author            varchar,
    content_html      varchar,              -- sanitized HTML for display
    content_text      varchar,              -- clean text for extraction
    content_hash      varchar not null,     -- hash(title, content_text)
    published_at      timestamp,            -- effective publication time (see published_at_source)
    published_at_source varchar not null,   -- published | updated | first_seen
    updated_at        timestamp,
    first_seen_at     timestamp not null,
    fetch_id          varchar not null,
    archive_sha256    varchar not null
);

-- what the parser knows about an entry version beyond raw.entries (issue 3); one row per version
create table if not exists raw.entry_details (
    entry_version_id  varchar primary key,  -- raw.entries.entry_version_id
    published_raw     varchar,              -- the publication date as the feed wrote it
    updated_raw       varchar,
    date_flag         varchar,              -- missing | unparsed | before_1990 | future (null: nothing odd)
    enclosures        varchar               -- JSON [{"url", "type", "length"}, ...]
);

create table if not exists raw.quarantine (
    quarantine_id     varchar primary key,
    stage             varchar not null,     -- parse | load | extract | ...
    feed_id           varchar,
    fetch_id          varchar,
    archive_sha256    varchar,
    record_key        varchar,
    reason            varchar not null,
    payload           varchar,              -- the record as JSON, when there is one
    quarantined_at    timestamp not null
);

-- per-feed polling state (conditional requests, schedule, parking); one row per feed
create table if not exists raw.feed_state (
    feed_id           varchar primary key,
    url               varchar not null,     -- the URL polled: the feeds file's, or where it moved
    etag              varchar,
    last_modified     varchar,
    last_success_at   timestamp,
    last_error        varchar,
    consecutive_failures integer not null default 0
);

-- one row per actor the extractors know or discovered (discovered ones only while some row refers to them)
create table if not exists extract.actors (
    actor_id          varchar primary key,  -- slug of the canonical name
    name              varchar not null,
    actor_type        varchar not null,     -- person | organization | country | group | anonymous
    country           varchar,
    is_discovered     boolean not null,     -- true when not in the gazetteer
    extractor_version varchar not null,
    affiliation_actor_id varchar            -- anonymous sources: the actor they speak for, when stated
);

-- offices held with dates, from seeds/roles.csv (end_date exclusive, null while held)
create table if not exists extract.actor_roles (
    actor_id          varchar not null,
    role              varchar not null,     -- president, foreign minister, spokesman...
    of_code           varchar not null,     -- a country code (RU) or an organization's actor_id (nato)
    to_code           varchar,              -- ambassadors: where they are sent
    start_date        date not null,
    end_date          date,
    extractor_version varchar not null
);

-- which article versions each extractor has read, at which version: a version that yields no rows
-- is not read again, and a new extractor version re-reads only what it changed
create table if not exists extract.extracted_versions (
    article_id        varchar not null,
    content_hash      varchar not null,
    extractor         varchar not null,     -- mentions | claims | time_expressions
    extractor_version varchar not null,
    row_count         integer not null,
    primary key (article_id, content_hash, extractor)
);

create table if not exists extract.mentions (
    mention_id        varchar primary key,
    article_id        varchar not null,
    content_hash      varchar not null,     -- the article version the extraction read
    actor_id          varchar not null,
    surface           varchar not null,
    start_char        integer not null,
    end_char          integer not null,
    sentence_index    integer not null,
    extractor_version varchar not null
);

create table if not exists extract.claims (
    claim_id          varchar primary key,
    article_id        varchar not null,
    content_hash      varchar not null,
    speaker_actor_id  varchar,
    speaker_surface   varchar,
    via_actor_id      varchar,
    via_surface       varchar,
    cue_verb          varchar not null,     -- lemma: say, warn, demand, deny...
    claim_type        varchar not null,     -- warning | demand | assessment | denial | commitment | statement
    claim_text        varchar not null,
    is_direct_quote   boolean not null,
    start_char        integer not null,
    end_char          integer not null,
    sentence          varchar not null,
    extractor_version varchar not null,
    target_actor_ids  varchar[]             -- who the speech act is aimed at, where the text says
);

create table if not exists extract.time_expressions (
    timex_id          varchar primary key,
    article_id        varchar not null,
    content_hash      varchar not null,
    surface           varchar not null,
    due_start         date not null,
    due_end           date not null,
    precision         varchar not null,     -- day | week | month | season | year
    is_future         boolean not null,     -- relative to the article's publication
    event_label       varchar,              -- talks, meeting, summit, call, exercises...
    location          varchar,
    status_cue        varchar,              -- scheduled | confirmed | postponed | cancelled
    start_char        integer not null,
    end_char          integer not null,
    sentence          varchar not null,
    extractor_version varchar not null
);

create table if not exists quality.results (
    run_id            varchar not null,
    stage             varchar not null,
    suite             varchar not null,
    success           boolean not null,
    evaluated         integer not null,
    failed            integer not null,
    severity          varchar not null,     -- the worst failure: block | warn | pass (nothing failed)
    checked_at        timestamp not null    -- wall-clock UTC: quality tables are load-time audit
);

-- row counts of the marts at each publish: the baseline for the next run's row-count gate
create table if not exists quality.row_counts (
    run_id            varchar not null,
    relation          varchar not null,
    row_count         bigint not null,
    as_of             timestamp not null,
    checked_at        timestamp not null
);

-- one row per publish, with the dbt build it published: a run with nothing new may skip dbt and
-- the gates only when the last build was published (pipelines/quiet.py)
create table if not exists quality.publish_log (
    run_id            varchar not null,
    build_number      integer,              -- intermediate.dbt_build_log; null before any build
    as_of             timestamp not null,
    published_at      timestamp not null    -- wall-clock UTC
);

create table if not exists quality.expectation_results (
    run_id            varchar not null,
    suite             varchar not null,
    expectation       varchar not null,
    column_name       varchar,
    severity          varchar not null,
    success           boolean not null,
    unexpected_count  bigint,
    detail            varchar,
    checked_at        timestamp not null
);
"""


# raw.* columns added by issue 3 (ingestion), as migrations so that older databases gain them too
_RAW_COLUMNS = {
    "fetch_log": [
        ("attempt_seq", "bigint"),              # order of the attempts, for replays and reparse
        ("final_url", "varchar"),               # after redirects
        ("redirects", "varchar"),               # JSON [[status, location], ...]
        ("moved_to", "varchar"),                # a permanent redirect moved the feed here
        ("content_type", "varchar"),
        ("not_modified", "boolean"),            # 304, or a file with unchanged size and mtime
        ("body_unchanged", "boolean"),          # 200 with the same bytes as the last parsed body
        ("encoding", "varchar"),                # the codec that decoded the body
        ("encoding_source", "varchar"),         # bom | xml-pattern | ascii | utf-8 | http | xml-declaration | mixed | detected | fallback
        ("http_charset", "varchar"),            # as the Content-Type header declared it
        ("declared_encoding", "varchar"),       # as the XML declaration declared it
        ("feed_format", "varchar"),             # rss20, atom10, rss10... (feedparser's version)
        ("retry_after_s", "double"),
        ("next_poll_at", "timestamp"),
        ("next_poll_reason", "varchar"),        # interval | max-age | retry-after | backoff
        ("forced", "boolean"),                  # polled by --force before its next-poll time
    ],
    "feed_state": [
        ("configured_url", "varchar"),          # the feeds file's URL when the state was written
        ("last_attempt_at", "timestamp"),
        ("last_status", "integer"),
        ("last_error_at", "timestamp"),
        ("next_poll_at", "timestamp"),
        ("next_poll_reason", "varchar"),
        ("parked_at", "timestamp"),             # not polled until `eventwatch feeds enable`
        ("parked_reason", "varchar"),
        ("last_archive_sha256", "varchar"),     # the last body parsed: the same bytes are not parsed again
        ("moved_from", "varchar"),              # the URL before the last permanent redirect
        ("moved_at", "timestamp"),
    ],
}


# extract.* columns added by issue 4 (extraction), likewise
MIGRATIONS = """
alter table extract.actors add column if not exists affiliation_actor_id varchar;
alter table extract.claims add column if not exists target_actor_ids varchar[];
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw, extract and quality table that does not exist yet, and add missing columns."""
    con.execute(DDL)
    for table, columns in _RAW_COLUMNS.items():
        for name, sql_type in columns:
            con.execute(f"alter table raw.{table} add column if not exists {name} {sql_type}")
    con.execute(MIGRATIONS)
