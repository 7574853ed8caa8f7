-- Minyi schema, version 21: the messages whose answers were deleted while their round is open.
--
-- Telegram lets a resident edit a message at any time, and an edit of a message with no stored
-- answer is stored as a new answer (a first try refused as too long, shortened, counts). After
-- /forget (or the retention purge) that made a deleted answer come back when its resident
-- edited the old reply. A row here says an edit of that message stores nothing
-- (bot/core/answers.py `record_answer`); a new message is a new answer.
--
-- `source` is a digest of `answers.source` (a private answer's names its resident's
-- pseudonym), never who wrote it. Rows are needed only while their round is open (a closed
-- round takes no edit): the retention purge deletes the others.
CREATE TABLE deleted_sources (
    source TEXT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE
);
