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

-- By time only, for the pruning. Rows arrive in time order, so a write touches the last page of
-- the table and of this index; an index by the hashes, which are random, dirties a page anywhere
-- in it for every record (bench/access: the orders API kept 84 % of its throughput with the two
-- of them, 93 % without). Looking one customer up (`belco-panel access`, the export, the
-- erasure) reads the table instead: a rare request, which can afford it.
CREATE INDEX access_by_time ON access_log (at);
