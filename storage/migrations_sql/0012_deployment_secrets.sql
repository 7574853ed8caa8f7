-- Minyi schema, version 12: the privacy key a deployment made for itself.
--
-- SPEC §7: every key has a default except the token. When neither `privacy.secret` nor
-- MINYI_PRIVACY_SECRET is set, the first process that opens the database generates a random
-- key and stores it here (the first writer wins), so every later start, every process sharing
-- the database and every CLI verb hash residents' ids and key the web pages' addresses alike.
-- A configured secret is never stored.
CREATE TABLE deployment_secrets (
    name TEXT PRIMARY KEY,
    value {blob} NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
