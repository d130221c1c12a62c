"""The quality.* tables: what the gates (pipelines/gates.py) and publish (pipelines/publish.py) write, and
the views of raw tables the snapshot carries. Declared once, as in schema_raw.py."""

QUALITY = """
create schema if not exists quality;

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

# What each suite with a `unit` last passed on (pipelines/gates.py): one digest per unit of rows that
# change together, so the next gate run judges only the units whose rows changed. Its own schema:
# gate state, not a result, and publish copies `quality` whole.
GATE_STATE = """
create schema if not exists gate_state;
create table if not exists gate_state.unit_digests (
    suite             varchar not null,
    fingerprint       varchar not null,     -- the suite's rules and batch query: a change re-judges all
    as_of             timestamp not null,   -- the as_of it passed at: a replay to an earlier one re-judges all
    unit              ubigint not null,     -- hash of the unit's columns (entry_version_id; article_id, content_hash)
    digest            ubigint not null      -- hash of the unit's rows, over the columns the suite reads
);
"""
