-- Orders deleted through the push API, with the time of the delete (BIGINT milliseconds since
-- the epoch, the newest delete an id has had). An upsert (push or import) of the same id whose
-- updatedAt is not later than this is skipped, so a late or retried push cannot bring back an
-- order that a newer delete removed. A tombstone stays when the order comes back newer: the
-- stored row's own updated_at then orders the writes after it. One small row per deleted id.
CREATE TABLE order_tombstones (
    id         TEXT PRIMARY KEY,
    deleted_at BIGINT NOT NULL
);
