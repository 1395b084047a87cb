//! The SQL of every read, in the two dialects (see [`Sql`]), in one place.
//!
//! The queries are put together from the pieces below with `concat!`, so that a column list or
//! a condition is written once. The piece macros are local to this file and defined above their
//! first use (as `macro_rules!` must be); the rest of the store names only the `const`s, so no
//! other module depends on the order of anything here. Writes, which have one dialect, keep
//! their SQL beside the code that binds it.

/// One query in the two dialects, which differ only in how ids are compared where rows of the
/// same moment are ordered. SQLite compares text bytewise; PostgreSQL by the database's
/// collation (`en_US.UTF-8` puts `a` before `B` and `é` before `f`), unless told
/// `COLLATE "C"`, which SQLite does not know. Bytewise on both, so a `LIMIT` keeps the same rows
/// on either, in the same order as the SQLite read path's sort in Rust.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sql {
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// How PostgreSQL is told to compare ids bytewise, as SQLite (and Rust's `str`) always do.
macro_rules! bytewise {
    () => {
        " COLLATE \"C\""
    };
}

/// `$select` of a customer's rows of `$table` by either identifier (`$1` email, `$2` phone). An
/// OR of two equalities: each side uses its own index; a NULL side matches nothing.
macro_rules! of_customer {
    ($columns:expr, $table:expr) => {
        concat!("SELECT ", $columns, " FROM ", $table, " WHERE email_norm = $1 OR phone_norm = $2")
    };
}

/// Newest first by `$instant`, then by id; `$3` rows at most. Both dialects of one query.
macro_rules! newest_first {
    ($select:expr, $instant:expr) => {
        Sql {
            sqlite: concat!($select, " ORDER BY ", $instant, " DESC, id DESC LIMIT $3"),
            postgres: concat!($select, " ORDER BY ", $instant, " DESC, id", bytewise!(), " DESC LIMIT $3"),
        }
    };
}

/// The columns of an order that the panel shows (a `records::OrderRow`, in its fields' order).
macro_rules! order_columns {
    () => {
        "id, number, note, status, currency, total_minor, order_date, url, customer_name, products"
    };
}

/// The panel's orders, newest first.
pub(super) const ORDERS: Sql = newest_first!(of_customer!(order_columns!(), "orders"), "order_date");

/// A customer's orders in any order, `$3` at most (the SQLite read path sorts them; see
/// `fast_read::Newest`).
pub(super) const ORDERS_UNORDERED: &str = concat!(of_customer!(order_columns!(), "orders"), " LIMIT $3");

/// The orders API's answer, newest first: the stored Belco JSON of each order. SQLite's read
/// path sorts small answers itself, so on SQLite the query also selects what orders them (a
/// `records::BelcoJsonRow`); PostgreSQL, which only ever sorts in the database, reads just the
/// JSON.
pub(super) const BELCO_ORDERS: Sql = Sql {
    sqlite: newest_first!(of_customer!("order_date, id, belco_json", "orders"), "order_date").sqlite,
    postgres: newest_first!(of_customer!("belco_json", "orders"), "order_date").postgres,
};

/// [`BELCO_ORDERS`] in any order, for the SQLite read path.
pub(super) const BELCO_ORDERS_UNORDERED: &str =
    concat!(of_customer!("order_date, id, belco_json", "orders"), " LIMIT $3");

/// A customer's summary, one row per currency; the name rides along on each (a scalar subquery).
/// The total is summed in two parts, the billions and the rest (see `summary::TOTAL_SPLIT`):
/// neither sum can overflow (that would take a billion orders), where one SUM errors on both
/// databases once a customer's total passes `i64::MAX`. SUM is cast: PostgreSQL sums BIGINT as
/// NUMERIC. The parameters first appear in order ($1, $2), which SQLite needs to number them as
/// PostgreSQL does.
macro_rules! summary {
    ($collate:expr) => {
        concat!(
            "SELECT (SELECT n.customer_name FROM orders n \
             WHERE (n.email_norm = $1 OR n.phone_norm = $2) \
             AND n.customer_name IS NOT NULL AND n.customer_name <> '' \
             ORDER BY n.order_date DESC, n.id",
            $collate,
            " DESC LIMIT 1) AS name, \
             currency, COUNT(*) AS orders, \
             CAST(SUM(total_minor / 1000000000) AS BIGINT) AS total_high, \
             CAST(SUM(total_minor % 1000000000) AS BIGINT) AS total_low, \
             MIN(order_date) AS first_order_at \
             FROM orders WHERE email_norm = $1 OR phone_norm = $2 \
             GROUP BY currency ORDER BY currency"
        )
    };
}

/// A customer's summary (`$1` email, `$2` phone), one row per currency.
pub(super) const SUMMARY: Sql = Sql { sqlite: summary!(""), postgres: summary!(bytewise!()) };

/// The columns of a note (a `notes::Note`, in its fields' order).
macro_rules! note_columns {
    () => {
        "id, author, body, created_at, updated_at"
    };
}

/// A customer's notes, newest first.
pub(super) const NOTES: Sql = newest_first!(of_customer!(note_columns!(), "notes"), "created_at");

/// A customer's notes in any order, for the SQLite read path.
pub(super) const NOTES_UNORDERED: &str = concat!(of_customer!(note_columns!(), "notes"), " LIMIT $3");

/// The columns of a submission (a `submissions::SubmissionRow`, in its fields' order).
macro_rules! submission_columns {
    () => {
        "id, form_id, form_title, author, answers, created_at"
    };
}

/// A customer's submissions, newest first. No `scope = 'customer'` here: company rows have
/// neither identifier, so the identifiers alone pick customer rows, and a scope condition
/// tempts SQLite into walking every customer submission through `submissions_by_scope` instead
/// of the two identifier indexes.
pub(super) const CUSTOMER_SUBMISSIONS: Sql =
    newest_first!(of_customer!(submission_columns!(), "form_submissions"), "created_at");

/// A customer's submissions in any order, for the SQLite read path.
pub(super) const CUSTOMER_SUBMISSIONS_UNORDERED: &str =
    concat!(of_customer!(submission_columns!(), "form_submissions"), " LIMIT $3");

/// The company's submissions, newest first (`$1` limit).
macro_rules! company_submissions {
    ($collate:expr) => {
        concat!(
            "SELECT ",
            submission_columns!(),
            " FROM form_submissions WHERE scope = 'company' ORDER BY created_at DESC, id",
            $collate,
            " DESC LIMIT $1"
        )
    };
}

/// The company's submissions, newest first (`$1` limit).
pub(super) const COMPANY_SUBMISSIONS: Sql =
    Sql { sqlite: company_submissions!(""), postgres: company_submissions!(bytewise!()) };

/// The newest orders' customers, as the shop wrote them, with the normalized identifiers that
/// tell them apart (`$1` rows at most): the preview's customer picker. No index orders all the
/// orders by date, so this reads the table (with a top-N sort); the preview is a developer's page,
/// opened now and then, and its handful of rows is not worth an index every write would update.
macro_rules! recent_customers {
    ($collate:expr) => {
        concat!(
            "SELECT customer_name, email, phone_number, email_norm, phone_norm FROM orders \
             WHERE email_norm IS NOT NULL OR phone_norm IS NOT NULL ORDER BY order_date DESC, id",
            $collate,
            " DESC LIMIT $1"
        )
    };
}

/// The newest orders' customers (`$1` orders at most), for the preview's picker.
pub(super) const RECENT_CUSTOMERS: Sql =
    Sql { sqlite: recent_customers!(""), postgres: recent_customers!(bytewise!()) };

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces put together give the queries as they were written out before: the same
    /// SQL, so the same plans, on both databases.
    #[test]
    fn the_queries_read_as_written_out() {
        assert_eq!(
            ORDERS.postgres,
            "SELECT id, number, note, status, currency, total_minor, order_date, url, customer_name, products \
             FROM orders WHERE email_norm = $1 OR phone_norm = $2 \
             ORDER BY order_date DESC, id COLLATE \"C\" DESC LIMIT $3"
        );
        assert_eq!(
            BELCO_ORDERS.sqlite,
            "SELECT order_date, id, belco_json FROM orders WHERE email_norm = $1 OR phone_norm = $2 \
             ORDER BY order_date DESC, id DESC LIMIT $3"
        );
        assert_eq!(
            BELCO_ORDERS.postgres,
            "SELECT belco_json FROM orders WHERE email_norm = $1 OR phone_norm = $2 \
             ORDER BY order_date DESC, id COLLATE \"C\" DESC LIMIT $3"
        );
        assert_eq!(
            BELCO_ORDERS_UNORDERED,
            "SELECT order_date, id, belco_json FROM orders WHERE email_norm = $1 OR phone_norm = $2 LIMIT $3"
        );
        assert_eq!(
            COMPANY_SUBMISSIONS.sqlite,
            "SELECT id, form_id, form_title, author, answers, created_at FROM form_submissions \
             WHERE scope = 'company' ORDER BY created_at DESC, id DESC LIMIT $1"
        );
        assert_eq!(
            NOTES_UNORDERED,
            "SELECT id, author, body, created_at, updated_at FROM notes WHERE email_norm = $1 OR phone_norm = $2 LIMIT $3"
        );
    }
}
