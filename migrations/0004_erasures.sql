-- What `belco-panel customer erase` leaves behind of a customer it erased: when, how much went,
-- and the identifiers keyed-hashed (HMAC with the shop's signing key), so that the shop can show
-- that it erased someone when asked, without keeping who they were in clear.
CREATE TABLE erasures (
    id           TEXT PRIMARY KEY,
    erased_at    BIGINT NOT NULL,
    email_hash   TEXT,
    phone_hash   TEXT,
    orders       BIGINT NOT NULL,
    notes        BIGINT NOT NULL,
    submissions  BIGINT NOT NULL
);
