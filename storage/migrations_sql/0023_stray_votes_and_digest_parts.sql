-- Minyi schema, version 23: votes in a poll whose id the bot does not know (yet); digest parts started.
--
-- A poll answer names only its poll. A vote in a poll whose id is not stored is kept here
-- instead of dropped: a poll Telegram took just before a crash (its id never stored) is found
-- once its copy is sent (bot/telegram/outbox.py), and a poll answered the instant it appeared
-- is stored a moment later; either way its votes here are counted then, and deleted
-- (bot/core/answers.py `count_stray_votes`). One row per resident and poll, their last word;
-- `options` is the chosen option indexes, comma-separated ("" retracts). Pseudonymous as
-- votes are; /forget deletes a resident's, and the retention purge those older than it.
CREATE TABLE stray_poll_votes (
    poll_id TEXT NOT NULL,
    resident TEXT NOT NULL,
    options TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (poll_id, resident)
);
CREATE INDEX stray_poll_votes_at ON stray_poll_votes (at);

-- And the digest part whose send started in each staff chat (its index + 1): a part started
-- and not stored as sent may have reached the chat just before a crash, and is sent again
-- with a warning saying so (bot/telegram/digests.py).
ALTER TABLE digest_deliveries ADD COLUMN part_started INTEGER NOT NULL DEFAULT 0;
