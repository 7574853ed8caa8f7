-- Minyi schema, version 2: reports read indexes only (bench/README.md, "Reports").
--
-- Every report aggregate groups by community (and resident or theme) over a scope: one round,
-- or a time window. The indexes below hold the grouped columns in group order after the scope
-- columns, so an aggregate is one ordered read of an index, never a sort, a temporary B-tree of
-- every row in scope or a lookup of each row in the table:
-- - `…_round` indexes: one round's rows, in (community, resident | theme) order;
-- - `…_who` indexes: every row in (community, resident | theme) order, the time checked in the
--   index, for time windows (a window read from a `created_at` index would come out in time
--   order and need a sort of all its rows).

-- answers(round_id, hidden) is a prefix of this one.
DROP INDEX answers_round;
CREATE INDEX answers_round ON answers (round_id, hidden, community_id, resident);
CREATE INDEX answers_who ON answers (hidden, community_id, resident, created_at);

CREATE INDEX votes_round ON votes (round_id, community_id, resident);
CREATE INDEX votes_who ON votes (community_id, resident, created_at);

-- Theme rows carry their answer's round, community, time and visibility, so counting themes in
-- a scope needs no join to answers. The repository (storage/repository/answers.py) keeps them
-- equal to the answer's: they are copied when themes are stored, and `hidden` follows the
-- answer's.
ALTER TABLE answer_themes ADD COLUMN round_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE answer_themes ADD COLUMN community_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE answer_themes ADD COLUMN created_at DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE answer_themes ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
UPDATE answer_themes SET
    round_id = (SELECT a.round_id FROM answers a WHERE a.id = answer_themes.answer_id),
    community_id = (SELECT a.community_id FROM answers a WHERE a.id = answer_themes.answer_id),
    created_at = (SELECT a.created_at FROM answers a WHERE a.id = answer_themes.answer_id),
    hidden = (SELECT a.hidden FROM answers a WHERE a.id = answer_themes.answer_id);

CREATE INDEX answer_themes_round ON answer_themes (round_id, hidden, community_id, theme_id, kind);
CREATE INDEX answer_themes_who ON answer_themes (hidden, community_id, theme_id, kind, created_at);
-- Quote candidates: a theme's best-scoring answers first, so the top few per theme are read
-- from the front of the index (replaces the index on theme_id alone).
DROP INDEX answer_themes_theme;
CREATE INDEX answer_themes_best ON answer_themes (theme_id, hidden, score DESC, answer_id);
