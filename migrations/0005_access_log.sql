-- Every frame render and orders lookup (`belco-panel access`): when, which route, whose (the
-- normalized identifiers keyed-hashed with the shop's signing key, never in clear), how many
-- orders matched, the client's address, the status and what happened. Rows older than
-- BELCO_ACCESS_RETENTION are deleted. No primary key: rows are only ever appended, read by
-- customer and deleted by age, and a key would be one more index for every write to update.
CREATE TABLE access_log (
    at          BIGINT NOT NULL,
    route       TEXT NOT NULL,
    email_hash  TEXT,
    phone_hash  TEXT,
    orders      BIGINT,
    client      TEXT NOT NULL,
    status      BIGINT NOT NULL,
    outcome     TEXT NOT NULL
);

-- Partial: a refused call names nobody, and needs no entry in a customer's index.
CREATE INDEX access_by_email ON access_log (email_hash, at) WHERE email_hash IS NOT NULL;
CREATE INDEX access_by_phone ON access_log (phone_hash, at) WHERE phone_hash IS NOT NULL;
CREATE INDEX access_by_time ON access_log (at);
