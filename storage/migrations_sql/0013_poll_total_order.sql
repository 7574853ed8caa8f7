-- Minyi schema, version 13: which update an anonymous poll's totals came from.
--
-- Each `poll` update carries a poll's whole totals, and webhook deliveries may arrive out of
-- order (a retried one after later ones): totals from an older update than the stored ones are
-- ignored. Totals from closing the poll (stopPoll's answer, final) carry the largest BIGINT;
-- NULL: stored before this version.
ALTER TABLE poll_totals ADD COLUMN update_id BIGINT;
