-- Minyi schema, version 17: a round asked inside a forum topic lives in that topic.
--
-- In a supergroup with topics, an organiser's /ask (or /poll, /rate, /schedule, …) sent in a
-- topic puts the round to that topic: its opening post, reminder and closing summary are sent
-- there (`message_thread_id`), not to the General topic. NULL: the chat's main thread (no
-- topics, the General topic, or a round asked from private chat).
ALTER TABLE round_communities ADD COLUMN topic BIGINT;
