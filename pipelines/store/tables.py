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

-- records a record-level gate expectation failed (expectations.QUARANTINE): the dbt staging models
-- leave them out. Each gate run of a stage replaces that stage's rows, so a fixed rule or parser
-- releases them on the next run; raw.quarantine is the parser's and extractor's own, append-only.
create table if not exists quality.quarantined (
    relation          varchar not null,     -- the table the record is in: raw.entries, extract.time_expressions...
    record_key        varchar not null,     -- its key there (entry_version_id, timex_id...)
    stage             varchar not null,     -- fetch | extract | marts: the gate run that found it
    suite             varchar not null,
    expectation       varchar not null,
    column_name       varchar,
    reason            varchar not null,     -- suite, expectation, column and the offending values
    run_id            varchar not null,
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
        # bom | xml-pattern | ascii | utf-8 | http | xml-declaration | mixed | detected | fallback
        ("encoding_source", "varchar"),
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


# Views in `quality` over the raw tables the dashboard's feed page needs (issue 14). Publish copies
# every relation of `quality`, so the snapshot carries them as tables and readers never need the
# working database. Feed URLs, validators and payloads stay out: a URL may carry a token, and a
# quarantined payload is the feed's text, which the reason and record key describe well enough.
QUALITY_VIEWS = """
create or replace view quality.fetch_log as
select fetch_id, run_id, feed_id, http_status, error, bytes, duration_ms, fetched_at, entries_seen,
       entries_new, entries_new_version, entries_unchanged, entries_quarantined, bozo_reason,
       not_modified, body_unchanged, forced, next_poll_at, next_poll_reason
from raw.fetch_log;
create or replace view quality.quarantine as
select quarantine_id, stage, feed_id, fetch_id, record_key, reason, quarantined_at
from raw.quarantine;
"""


STORIES_DDL = """
-- issue 15, written by pipelines/stories/file.py (scores) and pipelines/stories/alerts.py (the outbox)
create table if not exists extract.stories (
    story_id          varchar primary key,
    name              varchar not null,
    description       varchar,
    keywords          varchar[] not null,
    actors            varchar[] not null,
    places            varchar[] not null,
    exclude           varchar[] not null,
    window_start      date,
    window_end        date,
    min_score         integer not null,
    stories_fingerprint varchar not null
);
-- one alert rule of one story; actor_ids are the rule's actors resolved through the gazetteer
create table if not exists extract.story_rules (
    story_id          varchar not null,
    rule_id           varchar not null,     -- the rule, numbered when a story has it twice
    rule              varchar not null,     -- deadline_changed | deadline_due | claim | feed_failing
    state_changes     varchar[],
    within_days       integer,
    polls             integer,
    actor_ids         varchar[],
    cues              varchar[],
    primary key (story_id, rule_id)
);
-- one article version scored against one story, under one version of the stories file
create table if not exists extract.article_stories (
    story_id          varchar not null,
    article_id        varchar not null,
    content_hash      varchar not null,
    score             integer not null,
    is_member         boolean not null,
    title_terms       varchar[] not null,   -- keywords, places and actors found in the title
    body_terms        varchar[] not null,   -- ... in the body only
    matched_actors    varchar[] not null,   -- actor ids of the story's actors found
    excluded_by       varchar[] not null,   -- exclusion terms found (any one keeps the article out)
    is_in_window      boolean not null,
    explanation       varchar not null,
    stories_fingerprint varchar not null,
    primary key (story_id, article_id, content_hash)
);
create schema if not exists alerts;
-- one alert the first time a run found it in marts.alerts: it is queued once, never again
create table if not exists alerts.fired (
    alert_id          varchar primary key,
    story_id          varchar not null,
    rule              varchar not null,
    fired_at          timestamp not null,   -- report time, as in marts.alerts
    queued_at         timestamp not null,   -- the as_of of the run that first found it
    run_id            varchar
);
-- one alert for one sink: written when the alert first fires, delivered_at set on success (2xx)
create table if not exists alerts.outbox (
    alert_id          varchar not null,
    sink_id           varchar not null,
    payload           varchar not null,     -- the alert as JSON, as it was when it first fired
    queued_at         timestamp not null,   -- the run's as_of when it was queued
    attempts          integer not null default 0,
    delivered_at      timestamp,
    last_error        varchar,              -- redacted: never a secret from a sink URL
    primary key (alert_id, sink_id)
);
"""


# extract.* columns added by issue 4 (extraction), likewise
MIGRATIONS = """
alter table extract.actors add column if not exists affiliation_actor_id varchar;
alter table extract.claims add column if not exists target_actor_ids varchar[];
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw, extract and quality table that does not exist yet, and add missing columns."""
    con.execute(DDL)
    con.execute(STORIES_DDL)
    for table, columns in _RAW_COLUMNS.items():
        for name, sql_type in columns:
            con.execute(f"alter table raw.{table} add column if not exists {name} {sql_type}")
    con.execute(MIGRATIONS)
    con.execute(QUALITY_VIEWS)
