-- One set of migrations for SQLite and PostgreSQL: only types and syntax both accept
-- (TEXT, BIGINT, ON CONFLICT); instants are BIGINT milliseconds since the epoch, money BIGINT
-- minor units.

CREATE TABLE orders (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL,
    note          TEXT NOT NULL,
    status        TEXT NOT NULL,
    currency      TEXT NOT NULL,
    total_minor   BIGINT NOT NULL,
    order_date    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    url           TEXT NOT NULL,
    email         TEXT NOT NULL,
    phone_number  TEXT NOT NULL,
    customer_name TEXT,
    -- The identifiers matched against Belco's query, normalized (lower-cased NFC email, E.164
    -- phone); NULL when the shop gave none or it could not be read.
    email_norm    TEXT,
    phone_norm    TEXT,
    -- Products as JSON with prices in minor units: always read whole with their order.
    products      TEXT NOT NULL,
    -- The order already rendered in Belco's shape: the orders API joins these instead of
    -- serializing on every call.
    belco_json    TEXT NOT NULL,
    stored_at     BIGINT NOT NULL
);

-- Both lookups return the newest orders first, so the date is part of each index.
CREATE INDEX orders_by_email ON orders (email_norm, order_date);
CREATE INDEX orders_by_phone ON orders (phone_norm, order_date);

-- Standard Webhooks ids already accepted by the push API: a captured request replayed inside
-- the signature's time window is refused. Rows older than the window are pruned.
CREATE TABLE push_receipts (
    webhook_id  TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);

-- Small facts the app keeps about itself (e.g. the demo's generated credentials).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
