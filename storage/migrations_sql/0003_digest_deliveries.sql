-- Minyi schema, version 3: the weekly digest's delivery is recorded per staff chat.
--
-- A period (`digests`) is sent once every staff chat has it. Each chat's row says how many of
-- the digest's messages (text chunks, chart, CSV) it already has, so a retry after a passing
-- failure sends only what that chat is missing, never again what it got; `retry_at` spaces the
-- retries out (backoff); `done_at` is set once the chat has all of it (`outcome` 'sent') or
-- refused it for good (bot removed, chat not found: 'refused').
CREATE TABLE digest_deliveries (
    period_start DOUBLE PRECISION NOT NULL REFERENCES digests (period_start),
    chat_id BIGINT NOT NULL,
    parts_sent INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_at DOUBLE PRECISION,
    done_at DOUBLE PRECISION,
    outcome TEXT,
    PRIMARY KEY (period_start, chat_id)
);
