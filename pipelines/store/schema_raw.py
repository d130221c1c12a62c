"""The raw.* tables: what the fetch and load stages write (fetch log, entry versions, quarantine, feed and
page state). Each table's columns are declared here once: its Arrow schema comes from this DDL
(pipelines.store.tables.arrow_schema), and a column added here is added to an older database."""

RAW = """
create schema if not exists raw;

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
    bozo_reason       varchar,          -- why the feed was not well-formed, when it was not
    -- issue 3 (ingestion) added these: ensure_schema adds them to an older database
    attempt_seq       bigint,           -- order of the attempts, for replays and reparse
    final_url         varchar,          -- after redirects
    redirects         varchar,          -- JSON [[status, location], ...]
    moved_to          varchar,          -- a permanent redirect moved the feed here
    content_type      varchar,
    not_modified      boolean,          -- 304, or a file with unchanged size and mtime
    body_unchanged    boolean,          -- 200 with the same bytes as the last parsed body
    encoding          varchar,          -- the codec that decoded the body
    -- bom | xml-pattern | ascii | utf-8 | http | xml-declaration | mixed | detected | fallback
    encoding_source   varchar,
    http_charset      varchar,          -- as the Content-Type header declared it
    declared_encoding varchar,          -- as the XML declaration declared it
    feed_format       varchar,          -- rss20, atom10, rss10... (feedparser's version)
    retry_after_s     double,
    next_poll_at      timestamp,
    next_poll_reason  varchar,          -- interval | max-age | retry-after | backoff
    forced            boolean           -- polled by --force before its next-poll time
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
    consecutive_failures integer not null default 0,
    -- issue 3 (ingestion) added these: ensure_schema adds them to an older database
    configured_url    varchar,          -- the feeds file's URL when the state was written
    last_attempt_at   timestamp,
    last_status       integer,
    last_error_at     timestamp,
    next_poll_at      timestamp,
    next_poll_reason  varchar,          -- interval | max-age | retry-after | backoff
    parked_at         timestamp,        -- not polled until `eventwatch feeds enable`
    parked_reason     varchar,
    last_archive_sha256 varchar,        -- the last body parsed: the same bytes are not parsed again
    moved_from        varchar,          -- the URL before the last permanent redirect
    moved_at          timestamp
);

-- article pages (pipelines.fetch.pages): one row per feed entry whose page eventwatch looked at
create table if not exists raw.page_state (
    feed_id           varchar not null,
    entry_key         varchar not null,
    page_url          varchar not null,     -- the entry's link, as fetched
    final_url         varchar,              -- after redirects
    canonical_url     varchar,              -- the page's rel=canonical / og:url, normalized
    canonical_source  varchar,              -- rel-canonical | og:url | null
    etag              varchar,
    last_modified     varchar,
    page_status       varchar not null,     -- ok | not_modified | shorter | no_text | failed | robots
    page_error        varchar,              -- why the page's text is not used, when it is not
    http_status       integer,
    first_checked_at  timestamp not null,
    last_checked_at   timestamp not null,
    next_check_at     timestamp,            -- null: not checked again
    checks            integer not null,     -- successful checks (200 or 304)
    failures          integer not null,     -- consecutive failed checks
    archive_sha256    varchar,              -- the last page body extracted
    text_hash         varchar,              -- of the page text in use
    author            varchar,
    published_at      timestamp,
    published_source  varchar,              -- article:published_time | json-ld | trafilatura
    updated_at        timestamp,
    updated_source    varchar,
    content_text      varchar,              -- the last good main text (null until a page gave one)
    content_html      varchar,
    feed_words        integer,              -- words of the feed's own text for the entry
    primary key (feed_id, entry_key)
);

-- one row per page fetch attempt
create table if not exists raw.page_log (
    page_fetch_id     varchar primary key,
    run_id            varchar not null,
    feed_id           varchar not null,
    entry_key         varchar not null,
    url               varchar not null,
    final_url         varchar,
    http_status       integer,
    page_status       varchar not null,
    page_error        varchar,
    bytes             bigint,
    archive_sha256    varchar,
    duration_ms       double,
    fetched_at        timestamp not null,
    made_version      boolean not null      -- a re-check stored a new entry version from this body
);
"""
