-- Minyi schema, version 8: what the tagger's models weighed, and organisers' labels (issue 15).
--
-- A tag a model scored keeps the words of the answer that weighed most (JSON list, empty for
-- keyword-only tags and for tags stored before this migration), shown in exports beside the
-- keyword evidence.
ALTER TABLE answer_themes ADD COLUMN learned TEXT NOT NULL DEFAULT '[]';

-- The themes an organiser (pseudonymous, like every resident) said an answer has, through
-- /label: one row per answer, the latest word wins. `themes` is a JSON list of theme ids (an
-- empty list means "none of them"); `skipped` rows say the organiser passed, so the answer is
-- not offered again. The text itself is never copied: learning reads it from `answers`.
CREATE TABLE answer_labels (
    answer_id BIGINT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    labeller TEXT NOT NULL,
    themes TEXT NOT NULL,
    skipped INTEGER NOT NULL DEFAULT 0,
    labelled_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX answer_labels_when ON answer_labels (labelled_at);
