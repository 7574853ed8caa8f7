-- Minyi schema, version 22: the emerging-terms sample indexes as migration 0011 makes them.
--
-- Migration 0011 first shipped with narrower sample indexes, (round_id, hidden, id) and
-- (hidden, created_at); the file was widened afterwards to hold every column the sample is
-- chosen by (storage/repository/reports.py `list_answer_texts`). A database that reached
-- version 11 before that never ran the new file and kept the narrow ones, so each sampled id
-- was checked in the table instead of the index. Both are made again here, whatever shape
-- they had: 1 answer in 16 is indexed, a few seconds per million answers.
DROP INDEX IF EXISTS answers_sample_round;
CREATE INDEX answers_sample_round ON answers (round_id, hidden, community_id, id)
    WHERE id % 16 = 0;
DROP INDEX IF EXISTS answers_sample_time;
CREATE INDEX answers_sample_time ON answers (hidden, created_at, community_id, id)
    WHERE id % 16 = 0;
