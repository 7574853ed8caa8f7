-- Minyi schema, version 10: the index scorecards `/index post` owes each community's group.
--
-- The outbox of round posts (`posts`) is keyed by round; a scorecard belongs to an index
-- period instead. `/index post` stores one row per community it owes a scorecard (a second
-- `/index post` for the same period owes them again), and the channel sends them in the
-- background after the commit, marking each sent: a crash re-sends only what Telegram never
-- accepted, as for round posts.
CREATE TABLE index_posts (
    period TEXT NOT NULL,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    requested_at DOUBLE PRECISION NOT NULL,
    sent_at DOUBLE PRECISION,
    message_id BIGINT,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (period, community_id)
);
