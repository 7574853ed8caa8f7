-- Minyi schema, version 11: reports read small tallies, kept exact by every write (issue 18).
--
-- Reports used to count every answer in scope at report time (one ordered index read per
-- aggregate, migrations 0002 and 0009): at 1,000,000 answers that took 2-18 s. The tables
-- below hold the counts themselves. The repository (storage/repository/tallies.py) changes
-- them in the same transaction as the rows they count: storing, tagging, re-tagging, editing,
-- hiding, /forget, retention and votes. Rows with a zero count are deleted, so no pseudonym
-- stays behind after /forget. The statements at the end fill them from the stored rows.
--
-- Time is filed by hour (`hour` = floor(epoch seconds / 3600), UTC; storage/dialect.py):
-- a report over a time window sums the whole hours inside it and reads the stored rows of
-- the partial hours at its two ends (at most two hours of answers).
--
-- `slot` spreads the counters that every writer would otherwise update (one row per round,
-- community, hour and channel) over a few rows: on PostgreSQL each transaction picks one at
-- random, so concurrent writers (several webhook processes) rarely wait for each other's
-- commit; SQLite has one writer and uses slot 0. Readers sum over slots.

-- Visible answers per round, community, hour and channel, and how many of them have no theme.
CREATE TABLE tally_answers (
    round_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    channel TEXT NOT NULL,
    slot INTEGER NOT NULL,
    answers BIGINT NOT NULL,
    untagged BIGINT NOT NULL,
    PRIMARY KEY (round_id, community_id, hour, channel, slot)
) {clustered};
CREATE INDEX tally_answers_hour ON tally_answers (hour);

-- Visible answers per round, community, hour and theme (with the theme's kind), and the sum of
-- their tag scores in integer millionths (integers add and subtract exactly).
CREATE TABLE tally_themes (
    round_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    theme_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    slot INTEGER NOT NULL,
    answers BIGINT NOT NULL,
    score_micros BIGINT NOT NULL,
    PRIMARY KEY (round_id, community_id, hour, theme_id, kind, slot)
) {clustered};
CREATE INDEX tally_themes_hour ON tally_themes (hour);

-- Recorded votes per round, community, option and hour (the hour they were cast in).
CREATE TABLE tally_votes (
    round_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    option_index INTEGER NOT NULL,
    hour BIGINT NOT NULL,
    slot INTEGER NOT NULL,
    votes BIGINT NOT NULL,
    PRIMARY KEY (round_id, community_id, option_index, hour, slot)
) {clustered};
CREATE INDEX tally_votes_hour ON tally_votes (hour);

-- Who took part in a round: per round, community and resident, their visible answers plus
-- their vote rows (`n`), and their vote rows alone (`votes`); community 0 holds the same per
-- round over all its communities, so that someone who answered in two communities is one
-- participant there.
CREATE TABLE tally_round_people (
    round_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    resident TEXT NOT NULL,
    n BIGINT NOT NULL,
    votes BIGINT NOT NULL,
    -- A resident's rows of a round side by side (one page to write, not two).
    PRIMARY KEY (round_id, resident, community_id)
) {clustered};

-- Per round and community (0: all its communities): how many residents have rows in
-- tally_round_people (`people`), and how many of them voted (`voters`).
CREATE TABLE tally_round_totals (
    round_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    slot INTEGER NOT NULL,
    people BIGINT NOT NULL,
    voters BIGINT NOT NULL,
    PRIMARY KEY (round_id, community_id, slot)
) {clustered};

-- The hours in which a resident answered (visibly) or voted, per community and (community 0)
-- over all communities, with how many answers and vote rows.
CREATE TABLE tally_activity (
    community_id BIGINT NOT NULL,
    resident TEXT NOT NULL,
    hour BIGINT NOT NULL,
    n BIGINT NOT NULL,
    -- A resident's rows side by side, each community's by hour.
    PRIMARY KEY (resident, community_id, hour)
) {clustered};

-- Distinct participants of any time window from a few hundred rows per hour: each active hour
-- of each resident (a row of tally_activity) is counted under its hour and its `gap`, the hours
-- since that resident's previous active hour (capped at 192: 8 days, or no earlier hour).
-- The residents active in the whole hours [h1, h2), h2 - h1 <= 192, are those whose first
-- active hour in the window is preceded by a gap reaching back before h1:
-- sum(n) WHERE h1 <= hour < h2 AND gap > hour - h1.
CREATE TABLE tally_arrivals (
    hour BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    gap INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (hour, community_id, gap, slot)
) {clustered};

-- Reports no longer read these indexes; every write paid for them.
DROP INDEX answers_who;
DROP INDEX answer_themes_round;
DROP INDEX answer_themes_who;
-- Votes in a time window (the period report's polls, the ends of its window, retention).
DROP INDEX votes_who;
CREATE INDEX votes_created ON votes (created_at, round_id);

-- The emerging-terms sample of a large scope is drawn from answers whose id is a multiple of
-- 16 (bot/core/reports.py): these partial indexes hold only those, 1 answer in 16, with every
-- column the sample is chosen by, so the ids are picked from the index alone and only the
-- sample's own rows are read (storage/repository/reports.py `list_answer_texts`).
CREATE INDEX answers_sample_round ON answers (round_id, hidden, community_id, id)
    WHERE id % 16 = 0;
CREATE INDEX answers_sample_time ON answers (hidden, created_at, community_id, id)
    WHERE id % 16 = 0;

-- Back-fill from the stored rows.
INSERT INTO tally_answers (round_id, community_id, hour, channel, slot, answers, untagged)
SELECT a.round_id, a.community_id, {hour:a.created_at}, a.channel, 0, count(*),
    sum(CASE WHEN EXISTS (SELECT 1 FROM answer_themes t WHERE t.answer_id = a.id)
        THEN 0 ELSE 1 END)
FROM answers a WHERE a.hidden = 0
GROUP BY a.round_id, a.community_id, {hour:a.created_at}, a.channel;

INSERT INTO tally_themes (round_id, community_id, hour, theme_id, kind, slot, answers,
    score_micros)
SELECT a.round_id, a.community_id, {hour:a.created_at}, t.theme_id, t.kind, 0, count(*),
    sum({micros:t.score})
FROM answer_themes t JOIN answers a ON a.id = t.answer_id WHERE a.hidden = 0
GROUP BY a.round_id, a.community_id, {hour:a.created_at}, t.theme_id, t.kind;

INSERT INTO tally_votes (round_id, community_id, option_index, hour, slot, votes)
SELECT round_id, community_id, option_index, {hour:created_at}, 0, count(*) FROM votes
GROUP BY round_id, community_id, option_index, {hour:created_at};

INSERT INTO tally_round_people (round_id, community_id, resident, n, votes)
SELECT round_id, community_id, resident, sum(n), sum(votes) FROM (
    SELECT round_id, community_id, resident, count(*) AS n, 0 AS votes FROM answers
    WHERE hidden = 0 GROUP BY round_id, community_id, resident
    UNION ALL
    SELECT round_id, community_id, resident, count(*) AS n, count(*) AS votes FROM votes
    GROUP BY round_id, community_id, resident
) AS people GROUP BY round_id, community_id, resident;
INSERT INTO tally_round_people (round_id, community_id, resident, n, votes)
SELECT round_id, 0, resident, sum(n), sum(votes) FROM tally_round_people
GROUP BY round_id, resident;

INSERT INTO tally_round_totals (round_id, community_id, slot, people, voters)
SELECT round_id, community_id, 0, count(*), sum(CASE WHEN votes > 0 THEN 1 ELSE 0 END)
FROM tally_round_people GROUP BY round_id, community_id;

INSERT INTO tally_activity (community_id, resident, hour, n)
SELECT community_id, resident, hour, count(*) FROM (
    SELECT community_id, resident, {hour:created_at} AS hour FROM answers WHERE hidden = 0
    UNION ALL
    SELECT community_id, resident, {hour:created_at} AS hour FROM votes
) AS active GROUP BY community_id, resident, hour;
INSERT INTO tally_activity (community_id, resident, hour, n)
SELECT 0, resident, hour, sum(n) FROM tally_activity GROUP BY resident, hour;

INSERT INTO tally_arrivals (hour, community_id, gap, slot, n)
SELECT hour, community_id, gap, 0, count(*) FROM (
    SELECT hour, community_id,
        CASE WHEN previous IS NULL OR hour - previous >= 192 THEN 192
            ELSE hour - previous END AS gap
    FROM (
        SELECT community_id, hour,
            lag(hour) OVER (PARTITION BY community_id, resident ORDER BY hour) AS previous
        FROM tally_activity
    ) AS ordered
) AS gaps GROUP BY hour, community_id, gap;
