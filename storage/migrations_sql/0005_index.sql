-- Minyi schema, version 5: the governance index (SPEC §10).
--
-- Frameworks are kept as the TOML text an organiser stored, validated by the core before it
-- gets here; the newest row is the one in force, older rows say what earlier periods were
-- scored against.
CREATE TABLE index_frameworks (
    id {id},
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    stored_at DOUBLE PRECISION NOT NULL
);

-- One value per community, indicator and period. `origin` says where it came from: the
-- imported file's name, or 'rate:' and the round id for a consultation value. Re-importing a
-- file replaces, in one transaction, every value that file gave for the periods it holds
-- (storage/repository/index.py). Communities are referenced by id so a renamed community keeps
-- its values; indicators by their framework id, as text.
CREATE TABLE index_values (
    community_id BIGINT NOT NULL REFERENCES communities (id),
    indicator TEXT NOT NULL,
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    origin TEXT NOT NULL,
    imported_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (period, community_id, indicator)
);
CREATE INDEX index_values_origin ON index_values (origin, period);
