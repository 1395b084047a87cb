-- The outbox of form webhooks: one row per submission of a form whose forms-file entry names a
-- webhook, written in the same transaction as the submission, so an accepted form is delivered
-- even if belco-panel stops the instant after (see server/src/deliveries.rs).
--
-- `id` is the `webhook-id` every attempt carries; `payload` is the JSON body, fixed when the form
-- was accepted, so every attempt sends the same bytes. The secret is not here: `secret_name` is
-- the environment variable it is read from. `lease_until`/`lease_token`: an instance that claims
-- a row (PostgreSQL: FOR UPDATE SKIP LOCKED) holds it until then, so several instances never
-- attempt the same delivery at once. Instants are BIGINT milliseconds since the epoch.
CREATE TABLE form_deliveries (
    id               TEXT PRIMARY KEY,
    submission_id    TEXT NOT NULL,
    form_id          TEXT NOT NULL,
    url              TEXT NOT NULL,
    secret_name      TEXT NOT NULL,
    payload          TEXT NOT NULL,
    -- 'pending' (waiting for its next attempt), 'delivered' (a 2xx) or 'failed' (gave up).
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT NOT NULL,
    lease_token      TEXT,
    -- The receiver's status of the last attempt (NULL: no answer), and what went wrong.
    last_status      BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    -- When it was delivered or given up.
    finished_at      BIGINT
);

CREATE INDEX deliveries_due ON form_deliveries (state, next_attempt_at);
CREATE INDEX deliveries_by_submission ON form_deliveries (submission_id);
