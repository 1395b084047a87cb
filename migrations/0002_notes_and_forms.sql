-- Notes agents write about a customer, and the forms they submit, both kept under the customer's
-- normalized identifiers (as on orders): a panel opened with the email, the phone or both finds
-- them by either. Ids are random text made by the server (no dialect-specific sequences), and
-- instants are BIGINT milliseconds since the epoch, as in 0001.

CREATE TABLE notes (
    id          TEXT PRIMARY KEY,
    email_norm  TEXT,
    phone_norm  TEXT,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE INDEX notes_by_email ON notes (email_norm, created_at);
CREATE INDEX notes_by_phone ON notes (phone_norm, created_at);

-- One row per valid submission. The form's title and the fields' labels are copied in
-- (`answers` is JSON: [{"name", "label", "value"}]), so a submission still reads as it was sent
-- after the shop edits its forms file.
CREATE TABLE form_submissions (
    id          TEXT PRIMARY KEY,
    form_id     TEXT NOT NULL,
    form_title  TEXT NOT NULL,
    -- 'customer' (email_norm/phone_norm say whose) or 'company' (both NULL).
    scope       TEXT NOT NULL,
    email_norm  TEXT,
    phone_norm  TEXT,
    author      TEXT NOT NULL,
    answers     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE INDEX submissions_by_email ON form_submissions (email_norm, created_at);
CREATE INDEX submissions_by_phone ON form_submissions (phone_norm, created_at);
CREATE INDEX submissions_by_scope ON form_submissions (scope, created_at);
