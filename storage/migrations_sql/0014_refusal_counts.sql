-- Minyi schema, version 14: refusals sent per chat and minute, shared by every process.
--
-- SPEC §9: the bot never floods a group with refusals ("too fast", "round not open", ...).
-- Each process caps them per chat and minute in memory; several webhook processes on one
-- PostgreSQL database also count here, so that together they send no more than one process
-- would. A chat keeps at most its current minute's row (older ones go as it counts again).
CREATE TABLE refusal_counts (
    chat_id BIGINT NOT NULL,
    minute BIGINT NOT NULL,
    sent INTEGER NOT NULL,
    PRIMARY KEY (chat_id, minute)
);
