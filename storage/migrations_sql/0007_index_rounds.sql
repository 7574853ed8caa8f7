-- Minyi schema, version 7: rounds that feed the governance index (SPEC §10).
--
-- A `priorities` round is a multiple-answer poll over the framework's principles: `principles`
-- keeps their ids in option order (JSON), so the votes still map to principles after the
-- framework or the option texts' language changed. A rating round opened with
-- `/rate --indicator <id>` keeps that indicator's id: its per-community mean becomes the
-- indicator's value for the period it closed in. Both are NULL for other rounds.
-- (Version 6 is the web answer pages' migration.)
ALTER TABLE rounds ADD COLUMN principles TEXT;
ALTER TABLE rounds ADD COLUMN indicator TEXT;
CREATE INDEX rounds_kind_state ON rounds (kind, state, closed_at);
