-- Minyi schema, version 1. Portable between SQLite and PostgreSQL: {id} and {blob} are
-- replaced per dialect by storage/migrations.py. Times are UTC epoch seconds (DOUBLE PRECISION).
-- Residents appear only as `resident`, a keyed hash (HMAC-SHA256) of their Telegram user id.

CREATE TABLE communities (
    id {id},
    chat_id BIGINT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    created_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE rounds (
    id {id},
    kind TEXT NOT NULL,                 -- text | poll | rating
    state TEXT NOT NULL,                -- scheduled | open | closed | cancelled
    question TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]', -- JSON list of poll option texts
    multi INTEGER NOT NULL DEFAULT 0,
    anonymous INTEGER NOT NULL DEFAULT 0,
    opens_at DOUBLE PRECISION NOT NULL,
    closes_at DOUBLE PRECISION NOT NULL,
    cron TEXT,                          -- recurring rounds re-open on this expression
    recurrence_of BIGINT,               -- the round a recurring round was cloned from
    reminder_at DOUBLE PRECISION,
    created_by TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    opened_at DOUBLE PRECISION,
    closed_at DOUBLE PRECISION
);
CREATE INDEX rounds_state ON rounds (state, opens_at);

CREATE TABLE round_communities (
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    PRIMARY KEY (round_id, community_id)
);

-- The outbox: one row per message a transition owes a community. Stored in the transition's
-- transaction, marked sent after Telegram accepted it, so a crash re-sends only unsent posts.
CREATE TABLE posts (
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    purpose TEXT NOT NULL,              -- open | reminder | close
    message_id BIGINT,
    poll_id TEXT,
    sent_at DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, community_id, purpose)
);
CREATE INDEX posts_poll ON posts (poll_id);
CREATE INDEX posts_message ON posts (community_id, message_id);

CREATE TABLE answers (
    id {id},
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    resident TEXT NOT NULL,
    source TEXT NOT NULL,               -- where it came from, e.g. "g:<chat>:<message>"
    via TEXT NOT NULL,                  -- reply | private | group
    text TEXT NOT NULL,                 -- redacted before storage
    text_hash TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source)
);
CREATE INDEX answers_round ON answers (round_id, hidden);
CREATE INDEX answers_resident ON answers (resident);
CREATE INDEX answers_created ON answers (created_at);
CREATE UNIQUE INDEX answers_once ON answers (round_id, resident, text_hash);

CREATE TABLE answer_themes (
    answer_id BIGINT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    theme_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    evidence TEXT NOT NULL,             -- JSON list of matched words
    PRIMARY KEY (answer_id, theme_id)
);
CREATE INDEX answer_themes_theme ON answer_themes (theme_id);

CREATE TABLE votes (
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    resident TEXT NOT NULL,
    option_index INTEGER NOT NULL,      -- poll option, or the rating 1..5
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (round_id, resident, option_index)
);

-- Anonymous polls: Telegram tells the totals per poll, never who voted.
CREATE TABLE poll_tallies (
    poll_id TEXT NOT NULL,
    option_index INTEGER NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (poll_id, option_index)
);

CREATE TABLE processed_updates (
    update_id BIGINT PRIMARY KEY,
    processed_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE learned_models (
    name TEXT PRIMARY KEY,
    data {blob} NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE digests (
    period_start DOUBLE PRECISION PRIMARY KEY,
    sent_at DOUBLE PRECISION
);

CREATE TABLE moderation_log (
    id {id},
    answer_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);

-- Updates whose processing failed repeatedly: kept whole so nothing a resident sent is lost.
CREATE TABLE dead_letters (
    update_id BIGINT PRIMARY KEY,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);

-- A resident who opened a round's start link answers privately until the round closes.
CREATE TABLE private_sessions (
    resident TEXT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    started_at DOUBLE PRECISION NOT NULL
);

-- Anonymous polls: Telegram's total voter count per poll.
CREATE TABLE poll_totals (
    poll_id TEXT PRIMARY KEY,
    voters INTEGER NOT NULL
);
