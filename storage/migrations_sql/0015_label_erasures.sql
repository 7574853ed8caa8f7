-- Minyi schema, version 15: learned models never outlive the texts they learned from.
--
-- SPEC §9: /forget and retention delete answers, and with them their /label labels. The
-- principle and domain models learned from labels (`learned_models` 'principles' and
-- 'domains') hold words, word pairs and character pieces of those answers' texts, so they
-- must be learned again without them. `label_erasures` counts the deletions that removed a
-- label (one row, bumped in the deleting transaction); each learned model records the count
-- it had read before reading the labels it learned from. A model whose count is below the
-- current one may rest on deleted texts: the scheduler's tick has it learned again (any
-- process, after any restart). No row means no such deletion yet.
CREATE TABLE label_erasures (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    erased BIGINT NOT NULL
);
ALTER TABLE learned_models ADD COLUMN erasures BIGINT NOT NULL DEFAULT 0;
-- Models stored before this version are not marked: a model `minyi learn` made from a file
-- has no kept rows to learn from again (they are kept from this version on), so relearning it
-- would quietly undo the operator's work. Deletions before the upgrade are not known either;
-- docs/operators.md tells how to rebuild such a model (`minyi learn` again).
