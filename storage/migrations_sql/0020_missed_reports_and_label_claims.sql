-- Minyi schema, version 20: close reports an organiser could not be sent, and /label claims.
--
-- A configured organiser who never opened a private chat with the bot cannot be sent a closed
-- round's report (Telegram answers 403). The miss is kept, keyed by the organiser's pseudonym
-- like `organiser_languages` (no Telegram id is stored): their next command in a group tells
-- them once (`told`) to open a private chat and send /start; /start there lists the rounds
-- whose reports they missed and forgets them.
CREATE TABLE missed_reports (
    organiser TEXT NOT NULL,
    round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    told INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organiser, round_id)
);

-- The answer a /label card is showing an organiser (pseudonymous), until `expires_at`: another
-- organiser asking meanwhile is shown a different answer. A claim only steers what is offered;
-- a label or skip is stored whoever holds it.
CREATE TABLE label_claims (
    answer_id BIGINT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    labeller TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
