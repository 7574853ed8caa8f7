-- Minyi schema, version 6: the web answer pages (SPEC §11).
--
-- Answers and votes say which channel they came through, so that reports, digests and
-- exports can count web answers beside Telegram ones. Rows stored before this migration came
-- through Telegram (the only channel there was).
ALTER TABLE answers ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';
ALTER TABLE votes ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';

-- One-time form nonces of the web pages that were used: a form sent a second time (a replay,
-- or the same form posted twice) finds its nonce here and changes nothing. A nonce is random
-- and names nobody; rows older than a form's lifetime are pruned (bot/web/server.py).
CREATE TABLE web_forms (
    nonce TEXT PRIMARY KEY,
    used_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX web_forms_used ON web_forms (used_at);
