"""The extract.* and alerts.* tables: what the extract stage (pipelines/extract/) and the stories and
alerts (pipelines/stories/) write. Declared once, as in schema_raw.py."""

EXTRACT = """
create schema if not exists extract;

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
"""

STORIES = """
-- issue 15, written by pipelines/stories/score.py (scores) and pipelines/stories/alerts.py (the outbox)
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
