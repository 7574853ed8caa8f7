-- Minyi schema, version 18: the group chats Telegram upgraded to supergroups, old id -> new id.
--
-- A basic group that becomes a supergroup gets a new chat id, and the old one refuses every
-- message from then on. A community's row follows it (communities.chat_id); chats known only
-- by the configuration (`roles.staff_chats`) cannot be rewritten there, so the move is kept
-- here and the weekly digest goes to the new id until the operator updates the configuration.
-- Learnt from the upgrade's service messages or from a send Telegram refused naming the new id.
CREATE TABLE chat_migrations (
    old_chat_id BIGINT PRIMARY KEY,
    new_chat_id BIGINT NOT NULL,
    migrated_at DOUBLE PRECISION NOT NULL
);
