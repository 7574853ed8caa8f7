-- Minyi schema, version 19: Telegram's flood limits, kept together by every process.
-- postgresql only
--
-- SPEC §9: 30 messages a second overall, 20 a minute in any group, and a flood wait Telegram
-- asks of one chat honoured for that chat. Several webhook processes on one PostgreSQL
-- database reserve each message here before sending it (storage/repository/flood.py); an
-- SQLite file is one process's, whose limits stay in its memory (no table there).
--
-- One row per chat that was sent to or paused lately, and the row '' for the bot's overall
-- second. `sent`: the moments (epoch seconds, the database's clock) the chat's last messages
-- count from, ascending, only those of the last window; `paused_until`: the end of the flood
-- wait Telegram last asked of the chat. Nothing is ever held: a process that dies leaves
-- moments that age out of the window like any others.
--
-- UNLOGGED: a reservation before every message must not wait for the write-ahead log to reach
-- the disk (about 0.5 ms a statement instead of 3.5 ms here). What it costs: after a crash of
-- the server (or on a promoted standby) the table starts empty, the last minute forgotten;
-- the rows come back with the next messages.
CREATE UNLOGGED TABLE flood_windows (
    chat TEXT PRIMARY KEY,
    sent DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
    paused_until DOUBLE PRECISION NOT NULL DEFAULT 0
);
INSERT INTO flood_windows (chat) VALUES ('');
