-- Minyi schema, version 16: the language each configured organiser's Telegram last gave.
--
-- The report a closed round sends organisers privately is rendered in each one's language
-- (remembered from the last command they sent; an organiser never seen gets locale.default).
-- Keyed by the organiser's pseudonym (the keyed hash used for every resident), like
-- `answer_labels.labeller`: no Telegram user id is stored; the outbox finds the row by hashing
-- the ids in roles.organisers.
CREATE TABLE organiser_languages (
    organiser TEXT PRIMARY KEY,
    lang TEXT NOT NULL CHECK (lang IN ('zh', 'en'))
);
