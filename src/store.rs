//! Storage: a SQLite file by default, PostgreSQL for shops that run several instances. The same
//! SQL serves both (`$1` placeholders are understood by SQLite too); [`with_pool!`] runs one body
//! against whichever pool is configured, so each query is written once.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::QueryBuilder;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::contract::Order;
use crate::identity::CustomerKey;
use crate::money::Currency;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How many orders go into one multi-row INSERT (18 parameters each: far below both databases'
/// limits, large enough that per-statement overhead disappears).
const ROWS_PER_STATEMENT: usize = 200;

/// How long a SQLite writer waits for the write lock: long enough for an import's statement of
/// 200 rows, short enough that a request answers well inside the server's request timeout.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DATABASE_URL must start with sqlite: or postgres://, got {0:?}")]
    UnknownScheme(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Read(#[from] fast_read::ReadError),
    #[error("stored order {id} is unreadable: {reason}")]
    Corrupt { id: String, reason: String },
}

mod fast_read;
mod products;

/// A handle on the database; cheap to clone (the pools are shared).
#[derive(Clone)]
pub struct Store {
    db: Db,
    /// SQLite files only: the orders API's read path (see `fast_read`).
    reader: Option<Arc<fast_read::SqliteReader>>,
}

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.backend())
    }
}

macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

/// Upserts `rows` through `$executor` (a transaction that holds the write lock, see
/// [`WriteLock`]) in multi-row statements; yields how many were written. A row is written only
/// when it is newer than what is stored: its `updatedAt` is later than the order's tombstone
/// (a delete at the same instant wins) and not earlier than the stored row's (at the same
/// instant the later write wins, so a shop re-sending a fix sees it applied).
macro_rules! upsert_rows {
    ($executor:expr, $rows:expr) => {{
        let mut written = 0u64;
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            let chunk = newest_of_each_id(chunk);
            let mut lookup = QueryBuilder::new("SELECT id, deleted_at FROM order_tombstones WHERE id IN (");
            let mut ids = lookup.separated(", ");
            for o in &chunk {
                ids.push_bind(o.order.id.as_str());
            }
            lookup.push(")");
            let tombstones: std::collections::HashMap<String, i64> =
                lookup.build_query_as::<(String, i64)>().fetch_all(&mut *$executor).await?.into_iter().collect();
            let live: Vec<&StoredOrder> = chunk
                .into_iter()
                .filter(|o| tombstones.get(&o.order.id).is_none_or(|deleted_at| o.order.updated_at > *deleted_at))
                .collect();
            if live.is_empty() {
                continue;
            }
            let mut insert = QueryBuilder::new(
                "INSERT INTO orders (id, number, note, status, currency, total_minor, order_date, \
                 created_at, updated_at, url, email, phone_number, customer_name, email_norm, \
                 phone_norm, products, belco_json, stored_at) ",
            );
            insert.push_values(live, |mut row, o: &StoredOrder| {
                let order = &o.order;
                row.push_bind(order.id.as_str())
                    .push_bind(order.number.as_str())
                    .push_bind(order.note.as_str())
                    .push_bind(order.status.as_str())
                    .push_bind(order.currency.code())
                    .push_bind(order.total)
                    .push_bind(order.date)
                    .push_bind(order.created_at)
                    .push_bind(order.updated_at)
                    .push_bind(order.url.as_str())
                    .push_bind(order.email.as_str())
                    .push_bind(order.phone_number.as_str())
                    .push_bind(order.customer_name.as_deref())
                    .push_bind(o.key.email.as_deref())
                    .push_bind(o.key.phone.as_deref())
                    .push_bind(o.products_json.as_str())
                    .push_bind(o.belco_json.as_str())
                    .push_bind(o.stored_at);
            });
            // The WHERE skips an older version; both databases count only the rows written.
            insert.push(
                " ON CONFLICT (id) DO UPDATE SET number = excluded.number, note = excluded.note, \
                 status = excluded.status, currency = excluded.currency, \
                 total_minor = excluded.total_minor, order_date = excluded.order_date, \
                 created_at = excluded.created_at, updated_at = excluded.updated_at, \
                 url = excluded.url, email = excluded.email, phone_number = excluded.phone_number, \
                 customer_name = excluded.customer_name, email_norm = excluded.email_norm, \
                 phone_norm = excluded.phone_norm, products = excluded.products, \
                 belco_json = excluded.belco_json, stored_at = excluded.stored_at \
                 WHERE orders.updated_at <= excluded.updated_at",
            );
            written += insert.build().execute(&mut *$executor).await?.rows_affected();
        }
        written
    }};
}

/// Applies `deletes` through `$tx`: each leaves a tombstone with its time (the newest one an id
/// has had) and removes the stored order unless that was updated after the delete.
macro_rules! delete_rows {
    ($tx:expr, $deletes:expr, $counts:expr) => {{
        for Deletion { id, deleted_at } in $deletes {
            sqlx::query(
                "INSERT INTO order_tombstones (id, deleted_at) VALUES ($1, $2) ON CONFLICT (id) \
                 DO UPDATE SET deleted_at = excluded.deleted_at \
                 WHERE order_tombstones.deleted_at < excluded.deleted_at",
            )
            .bind(id.as_str())
            .bind(*deleted_at)
            .execute(&mut *$tx)
            .await?;
            let deleted = sqlx::query("DELETE FROM orders WHERE id = $1 AND updated_at <= $2")
                .bind(id.as_str())
                .bind(*deleted_at)
                .execute(&mut *$tx)
                .await?;
            if deleted.rows_affected() > 0 {
                $counts.deleted += 1;
                continue;
            }
            let newer = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orders WHERE id = $1")
                .bind(id.as_str())
                .fetch_one(&mut *$tx)
                .await?;
            if newer > 0 {
                $counts.stale += 1;
            } else {
                $counts.missing += 1;
            }
        }
    }};
}

/// Inserts a push receipt inside `$tx`; false when the id is already there.
macro_rules! record_receipt {
    ($tx:expr, $webhook_id:expr, $window:expr) => {{
        let now = now_millis();
        let oldest = now - i64::try_from($window.as_millis()).unwrap_or(i64::MAX);
        sqlx::query("DELETE FROM push_receipts WHERE received_at < $1").bind(oldest).execute(&mut *$tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO push_receipts (webhook_id, received_at) VALUES ($1, $2) ON CONFLICT (webhook_id) DO NOTHING",
        )
        .bind($webhook_id)
        .bind(now)
        .execute(&mut *$tx)
        .await?;
        inserted.rows_affected() == 1
    }};
}

/// How PostgreSQL is told to compare ids bytewise, as SQLite (and Rust's `str`) always do.
macro_rules! bytewise {
    () => {
        " COLLATE \"C\""
    };
}

// After the macros above, which it uses.
mod panel;

pub use panel::{Note, Owner, Submission};
pub use products::ProductLine;

/// An order ready to store: validated, its customer key normalized, its Belco JSON rendered.
#[derive(Clone, Debug)]
pub struct StoredOrder {
    pub order: Order,
    pub key: CustomerKey,
    products_json: String,
    belco_json: String,
    stored_at: i64,
}

impl StoredOrder {
    pub fn new(order: Order, key: CustomerKey) -> Self {
        let products_json = serde_json::to_string(&order.products).unwrap_or_else(|_| "[]".into());
        let belco_json = order.to_belco_json();
        Self { order, key, products_json, belco_json, stored_at: now_millis() }
    }
}

/// A multi-row upsert may not name one id twice (PostgreSQL refuses). Of the copies of an id,
/// the one kept is the one that writing them one by one would leave: the newest `updatedAt`,
/// and of those the last.
fn newest_of_each_id(chunk: &[StoredOrder]) -> Vec<&StoredOrder> {
    let mut newest: std::collections::HashMap<&str, &StoredOrder> =
        std::collections::HashMap::with_capacity(chunk.len());
    for o in chunk.iter().rev() {
        newest
            .entry(o.order.id.as_str())
            .and_modify(|kept| {
                if o.order.updated_at > kept.order.updated_at {
                    *kept = o;
                }
            })
            .or_insert(o);
    }
    chunk.iter().filter(|o| newest.get(o.order.id.as_str()).is_some_and(|kept| std::ptr::eq(*kept, *o))).collect()
}

/// An order deleted through the push API, and when (milliseconds since the epoch): what orders
/// the delete against upserts of the same id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub id: String,
    pub deleted_at: i64,
}

/// How a write of orders went: each order or deletion sent is counted once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Orders written (inserted or replacing an older version).
    pub upserted: u64,
    /// Deletions that removed a stored order.
    pub deleted: u64,
    /// Orders and deletions skipped as older than what is stored: an order not newer than the
    /// stored one or than its tombstone (or than a copy later in the same write), a deletion of
    /// an order updated after it.
    pub stale: u64,
    /// Deletions of ids that were not stored (their tombstones are kept all the same).
    pub missing: u64,
}

/// Opens a transaction that holds the database's write lock from its first statement, so
/// what it reads (tombstones, stored versions) cannot change before it writes. SQLite: `BEGIN
/// IMMEDIATE` (a deferred transaction that reads first could not write after another
/// connection did). PostgreSQL: a transaction-scoped advisory lock taken by every writer of
/// orders, waiting at most as long as SQLite's busy timeout.
trait WriteLock {
    type Db: sqlx::Database;
    fn begin_write(&self) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

/// The advisory lock key of order writes on PostgreSQL (any constant; "belco" in ASCII).
const ORDER_WRITES_LOCK: i64 = 0x62_656c_636f;

impl WriteLock for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WriteLock for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query("SET LOCAL lock_timeout = '10s'").execute(&mut *tx).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(ORDER_WRITES_LOCK).execute(&mut *tx).await?;
        Ok(tx)
    }
}

fast_read::row_struct! {
    /// An order as the panel reads it (the columns of a [`PanelOrder`]).
    struct OrderRow {
        id: String,
        number: String,
        note: String,
        status: String,
        currency: String,
        total_minor: i64,
        order_date: i64,
        url: String,
        customer_name: Option<String>,
        products: String,
    }
}

impl OrderRow {
    fn into_panel_order(self) -> Result<PanelOrder, StoreError> {
        let currency = Currency::parse(&self.currency)
            .map_err(|e| StoreError::Corrupt { id: self.id.clone(), reason: e.to_string() })?;
        Ok(PanelOrder {
            id: self.id,
            number: self.number,
            note: self.note,
            status: self.status,
            currency,
            total: self.total_minor,
            date: self.order_date,
            url: self.url,
            customer_name: self.customer_name,
            products: self.products,
        })
    }
}

/// An order as the panel lists it: what the panel shows of it, read from only the columns that
/// hold that (not the customer's identifiers, nor when the row was written). The products stay
/// as the import stored them, in JSON, until they are shown: [`PanelOrder::products`] reads them
/// without copying their names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelOrder {
    pub id: String,
    pub number: String,
    pub note: String,
    pub status: String,
    pub currency: Currency,
    /// In minor units of `currency`.
    pub total: i64,
    /// Milliseconds since the epoch.
    pub date: i64,
    pub url: String,
    pub customer_name: Option<String>,
    products: String,
}

impl PanelOrder {
    /// The order's products, in the shop's order.
    pub fn products(&self) -> Result<Vec<ProductLine<'_>>, StoreError> {
        products::read(&self.products)
            .map_err(|e| StoreError::Corrupt { id: self.id.clone(), reason: format!("products: {e}") })
    }
}

/// A customer's orders by either identifier (`$1` email, `$2` phone). An OR of two equalities:
/// each side uses its own index; a NULL side matches nothing.
macro_rules! customer_orders {
    ($columns:expr) => {
        concat!("SELECT ", $columns, " FROM orders WHERE email_norm = $1 OR phone_norm = $2")
    };
}
/// Newest first: by date, then by id, compared as `$collate` says (see [`Sql`]). (`$3` limit)
macro_rules! newest_orders {
    ($collate:expr) => {
        concat!(" ORDER BY order_date DESC, id", $collate, " DESC LIMIT $3")
    };
}

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

impl Store {
    /// `sql` in this store's dialect.
    pub(crate) fn sql(&self, sql: &Sql) -> &'static str {
        match self.db {
            Db::Sqlite(_) => sql.sqlite,
            Db::Postgres(_) => sql.postgres,
        }
    }
}
macro_rules! order_columns {
    () => {
        "id, number, note, status, currency, total_minor, order_date, url, customer_name, products"
    };
}

/// The panel's orders, newest first.
const ORDERS_SQL: Sql = Sql {
    sqlite: concat!(customer_orders!(order_columns!()), newest_orders!("")),
    postgres: concat!(customer_orders!(order_columns!()), newest_orders!(bytewise!())),
};

/// The panel's orders on the SQLite read path (see `fast_read::Newest`).
const NEWEST_ORDERS: fast_read::Newest<'static, OrderRow> = fast_read::Newest {
    unordered: concat!(customer_orders!(order_columns!()), " LIMIT $3"),
    ordered: ORDERS_SQL.sqlite,
    map: OrderRow::from_rusqlite,
    newest_first: |a, b| (b.order_date, &b.id).cmp(&(a.order_date, &a.id)),
};

/// The orders API's answer, newest first: the stored Belco JSON of each order.
const BELCO_ORDERS_SQL: Sql = Sql {
    sqlite: concat!(customer_orders!("belco_json"), newest_orders!("")),
    postgres: concat!(customer_orders!("belco_json"), newest_orders!(bytewise!())),
};

fast_read::row_struct! {
    /// An order in Belco's JSON with what orders it.
    struct BelcoJsonRow {
        order_date: i64,
        id: String,
        belco_json: String,
    }
}

/// The orders API's answer on the SQLite read path (see `fast_read::Newest`).
const NEWEST_BELCO_ORDERS: fast_read::Newest<'static, BelcoJsonRow> = fast_read::Newest {
    unordered: concat!(customer_orders!("order_date, id, belco_json"), " LIMIT $3"),
    ordered: concat!(customer_orders!("order_date, id, belco_json"), newest_orders!("")),
    map: BelcoJsonRow::from_rusqlite,
    newest_first: |a, b| (b.order_date, &b.id).cmp(&(a.order_date, &a.id)),
};

/// A customer's summary, one row per currency; the name rides along on each (a scalar subquery).
/// The total is summed in two parts, the billions and the rest (see [`TOTAL_SPLIT`]): neither
/// sum can overflow (that would take a billion orders), where one SUM errors on both databases
/// once a customer's total passes `i64::MAX`. SUM is cast: PostgreSQL sums BIGINT as NUMERIC. The parameters first appear in order ($1,
/// $2), which SQLite needs to number them as PostgreSQL does.
macro_rules! summary_sql {
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
const SUMMARY_SQL: Sql = Sql { sqlite: summary_sql!(""), postgres: summary_sql!(bytewise!()) };

/// How many of each kind of record [`Store::customer_records`] reads, newest first.
#[derive(Clone, Copy, Debug)]
pub struct RecordLimits {
    pub orders: i64,
    pub notes: i64,
    pub submissions: i64,
}

/// What the customer panel shows, as stored; see [`Store::customer_records`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerRecords {
    pub summary: CustomerSummary,
    pub orders: Vec<PanelOrder>,
    pub notes: Vec<Note>,
    pub submissions: Vec<Submission>,
}

fast_read::row_struct! {
    /// One currency's line of a customer's summary.
    struct SummaryRow {
        name: Option<String>,
        currency: String,
        orders: i64,
        total_high: i64,
        total_low: i64,
        first_order_at: i64,
    }
}

/// Where the summary's SQL splits each total (`total / TOTAL_SPLIT`, `total % TOTAL_SPLIT`).
const TOTAL_SPLIT: i128 = 1_000_000_000;

/// A sum of totals as [`CustomerSummary::totals`] holds it: exact while it fits an `i64`, and
/// else the nearest `i64` (`i64::MAX` or `MIN`). The same whether the database summed or Rust.
fn clamp_total(exact: i128) -> i64 {
    i64::try_from(exact).unwrap_or(if exact > 0 { i64::MAX } else { i64::MIN })
}

impl SummaryRow {
    fn summary(rows: Vec<SummaryRow>) -> Result<CustomerSummary, StoreError> {
        let mut summary = CustomerSummary::default();
        for SummaryRow { name, currency, orders, total_high, total_low, first_order_at: first } in rows {
            let total = clamp_total(i128::from(total_high) * TOTAL_SPLIT + i128::from(total_low));
            let currency = Currency::parse(&currency)
                .map_err(|e| StoreError::Corrupt { id: format!("(an order in {currency})"), reason: e.to_string() })?;
            summary.name = summary.name.or(name);
            summary.orders += orders;
            summary.first_order_at = Some(summary.first_order_at.map_or(first, |f| f.min(first)));
            summary.totals.push((currency, total));
        }
        Ok(summary)
    }
}

/// What the panel's header says about a customer; see [`Store::customer_summary`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerSummary {
    /// The `customerName` of the newest order that has one.
    pub name: Option<String>,
    pub orders: i64,
    /// The oldest order's date, in milliseconds since the epoch; `None` without orders.
    pub first_order_at: Option<i64>,
    /// Total spent per currency, in minor units, ordered by currency code. A total beyond
    /// `i64` is `i64::MAX` (or `MIN`), however it was summed.
    pub totals: Vec<(Currency, i64)>,
}

impl CustomerSummary {
    /// The same summary as [`Store::customer_summary`], worked out from the customer's orders,
    /// which must be *all* of them (the panel has them at hand when the customer has fewer than
    /// it lists, which saves it a query).
    pub fn of(orders: &[PanelOrder]) -> Self {
        let newest_named = orders
            .iter()
            .filter(|order| order.customer_name.as_deref().is_some_and(|name| !name.is_empty()))
            .max_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        // Exact in i128 and clamped once at the end, as the database's sum is: adding with
        // saturation at each step would depend on the orders' order when signs are mixed.
        let mut exact: Vec<(Currency, i128)> = Vec::new();
        for order in orders {
            match exact.iter_mut().find(|(currency, _)| *currency == order.currency) {
                Some((_, total)) => *total += i128::from(order.total),
                None => exact.push((order.currency, i128::from(order.total))),
            }
        }
        let mut totals: Vec<(Currency, i64)> =
            exact.into_iter().map(|(currency, total)| (currency, clamp_total(total))).collect();
        totals.sort_by(|(a, _), (b, _)| a.code().cmp(b.code()));
        Self {
            name: newest_named.and_then(|order| order.customer_name.clone()),
            orders: orders.len() as i64,
            first_order_at: orders.iter().map(|order| order.date).min(),
            totals,
        }
    }
}

/// What a push did.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Applied(WriteCounts),
    /// This webhook id was received before: nothing was written.
    Replayed,
}

/// How long storage may keep a request waiting. An outage then costs a request about
/// `acquire_timeout` (it answers 503), not the pool's default of 30 s.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    /// PostgreSQL: the wait for a pooled connection (or a new one, while the server is down).
    pub acquire_timeout: Duration,
    /// PostgreSQL: `statement_timeout`, set on every connection, so a stuck query ends too.
    pub statement_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { acquire_timeout: Duration::from_secs(1), statement_timeout: Duration::from_secs(10) }
    }
}

impl Store {
    /// Opens the database named by `url` (`sqlite:path`, `sqlite://path`, `postgres://…`),
    /// creating a SQLite file if needed, and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// [`Store::connect`] with the given timeouts.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                // WAL: readers (Belco's calls) never wait for a writer (an import).
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: every commit syncs the WAL before it returns, so a push answered 200 or
                // a saved note survives a power cut (NORMAL could lose the last commits).
                .synchronous(SqliteSynchronous::Full)
                // A writer waits this long for another (an import) before answering 503.
                .busy_timeout(SQLITE_BUSY_TIMEOUT);
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let reader =
                (!in_memory).then(|| Arc::new(fast_read::SqliteReader::new(options.get_filename().to_owned())));
            let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
            Store { db: Db::Sqlite(pool), reader }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let statement_timeout = format!("{}ms", options.statement_timeout.as_millis());
            let connect = PgConnectOptions::from_str(url)?.options([("statement_timeout", statement_timeout.as_str())]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            Store { db: Db::Postgres(pool), reader: None }
        } else {
            return Err(StoreError::UnknownScheme(url.split(':').next().unwrap_or_default().to_owned()));
        };
        with_pool!(store, pool => MIGRATOR.run(pool).await?);
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "SQLite",
            Db::Postgres(_) => "PostgreSQL",
        }
    }

    /// Closes the pools; every later call fails.
    pub async fn close(&self) {
        if let Some(reader) = &self.reader {
            reader.close();
        }
        with_pool!(self, pool => pool.close().await);
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// The customer's orders in Belco's JSON, newest first: those matching the email or the
    /// phone, exactly, on their normalized forms.
    pub async fn belco_orders(&self, key: &CustomerKey, limit: i64) -> Result<Vec<String>, StoreError> {
        if key.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(reader) = &self.reader {
            let rows = reader.newest(&NEWEST_BELCO_ORDERS, key, limit)?;
            return Ok(rows.into_iter().map(|row| row.belco_json).collect());
        }
        let rows = with_pool!(self, pool => {
            sqlx::query_scalar::<_, String>(self.sql(&BELCO_ORDERS_SQL))
                .bind(key.email.as_deref())
                .bind(key.phone.as_deref())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// The customer's orders as the panel shows them, newest first.
    pub async fn orders(&self, key: &CustomerKey, limit: i64) -> Result<Vec<PanelOrder>, StoreError> {
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let rows = if let Some(reader) = &self.reader {
            reader.newest(&NEWEST_ORDERS, key, limit)?
        } else {
            with_pool!(self, pool => {
                sqlx::query_as::<_, OrderRow>(self.sql(&ORDERS_SQL))
                    .bind(key.email.as_deref())
                    .bind(key.phone.as_deref())
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            })
        };
        rows.into_iter().map(OrderRow::into_panel_order).collect()
    }

    /// Who the customer is to the shop, from all their orders (not only the newest `limit`): the
    /// name on their newest order that has one, how many orders, since when, and what they spent
    /// per currency (sums in minor units, currencies in code order).
    pub async fn customer_summary(&self, key: &CustomerKey) -> Result<CustomerSummary, StoreError> {
        if key.is_empty() {
            return Ok(CustomerSummary::default());
        }
        let rows = if let Some(reader) = &self.reader {
            reader.rows(SUMMARY_SQL.sqlite, rusqlite::params![key.email, key.phone], SummaryRow::from_rusqlite)?
        } else {
            with_pool!(self, pool => {
                sqlx::query_as::<_, SummaryRow>(self.sql(&SUMMARY_SQL))
                    .bind(key.email.as_deref())
                    .bind(key.phone.as_deref())
                    .fetch_all(pool)
                    .await?
            })
        };
        SummaryRow::summary(rows)
    }

    /// Everything the customer panel shows, read together: on SQLite in one read transaction
    /// (one consistent state, one set of locks), on PostgreSQL as concurrent queries. The
    /// summary is worked out from the orders when there are fewer than `limits.orders` of them
    /// (then they are all of them), and asked of the database otherwise.
    pub async fn customer_records(
        &self,
        key: &CustomerKey,
        limits: RecordLimits,
    ) -> Result<CustomerRecords, StoreError> {
        if key.is_empty() {
            return Ok(CustomerRecords::default());
        }
        let records = if let Some(reader) = &self.reader {
            let (orders, summary, notes, submissions) = reader.snapshot(|db| {
                let orders = db.newest(&NEWEST_ORDERS, key, limits.orders)?;
                let summary = if (orders.len() as i64) < limits.orders {
                    None
                } else {
                    Some(db.rows(
                        SUMMARY_SQL.sqlite,
                        rusqlite::params![key.email, key.phone],
                        SummaryRow::from_rusqlite,
                    )?)
                };
                let notes = db.newest(&panel::NEWEST_NOTES, key, limits.notes)?;
                let submissions = db.newest(&panel::NEWEST_SUBMISSIONS, key, limits.submissions)?;
                Ok((orders, summary, notes, submissions))
            })?;
            let orders = orders.into_iter().map(OrderRow::into_panel_order).collect::<Result<Vec<_>, _>>()?;
            let summary = match summary {
                Some(rows) => SummaryRow::summary(rows)?,
                None => CustomerSummary::of(&orders),
            };
            let submissions = submissions.into_iter().map(Submission::try_from).collect::<Result<_, _>>()?;
            CustomerRecords { summary, orders, notes, submissions }
        } else {
            let (orders, notes, submissions) = futures::try_join!(
                self.orders(key, limits.orders),
                self.notes(key, limits.notes),
                self.submissions(Owner::Customer(key), limits.submissions),
            )?;
            let summary = if (orders.len() as i64) < limits.orders {
                CustomerSummary::of(&orders)
            } else {
                self.customer_summary(key).await?
            };
            CustomerRecords { summary, orders, notes, submissions }
        };
        Ok(records)
    }

    pub async fn count_orders(&self) -> Result<i64, StoreError> {
        let n = with_pool!(self, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orders").fetch_one(pool).await?);
        Ok(n)
    }

    /// Upserts all `orders` in one transaction: all of them are stored, or none. Returns how
    /// many were written (older versions than the stored ones are skipped, see [`upsert_rows!`]).
    pub async fn upsert_orders(&self, orders: &[StoredOrder]) -> Result<u64, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let written = upsert_rows!(tx, orders);
            tx.commit().await?;
            Ok(written)
        })
    }

    /// Upserts batches as they arrive, in one transaction that commits only when the channel
    /// closes cleanly; the first `Err` from the producer rolls everything back and is returned.
    pub async fn upsert_stream<E>(
        &self,
        mut batches: tokio::sync::mpsc::Receiver<Result<Vec<StoredOrder>, E>>,
    ) -> Result<Result<WriteCounts, E>, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut counts = WriteCounts::default();
            while let Some(batch) = batches.recv().await {
                match batch {
                    Ok(rows) => {
                        let written = upsert_rows!(tx, rows);
                        counts.upserted += written;
                        counts.stale += (rows.len() as u64).saturating_sub(written);
                    }
                    Err(e) => {
                        tx.rollback().await?;
                        return Ok(Err(e));
                    }
                }
            }
            tx.commit().await?;
            Ok(Ok(counts))
        })
    }

    /// Applies one signed push (deletions, then upserts) in one transaction together with its
    /// receipt, unless its webhook id was received before. A failure leaves no receipt, so the
    /// sender's retry is applied. Receipts older than `window` are pruned: a replay that old
    /// fails the signature's time check anyway.
    pub async fn push(
        &self,
        webhook_id: &str,
        window: Duration,
        orders: &[StoredOrder],
        deletes: &[Deletion],
    ) -> Result<PushOutcome, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if !record_receipt!(tx, webhook_id, window) {
                tx.rollback().await?;
                return Ok(PushOutcome::Replayed);
            }
            let mut counts = WriteCounts::default();
            delete_rows!(tx, deletes, counts);
            counts.upserted = upsert_rows!(tx, orders);
            counts.stale += (orders.len() as u64).saturating_sub(counts.upserted);
            tx.commit().await?;
            Ok(PushOutcome::Applied(counts))
        })
    }

    /// Records the webhook id of a signed push that was refused (a 400 or 422), so that the
    /// same signed request cannot be sent again; false when the id was already received.
    pub async fn consume_receipt(&self, webhook_id: &str, window: Duration) -> Result<bool, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let recorded = record_receipt!(tx, webhook_id, window);
            tx.commit().await?;
            Ok(recorded)
        })
    }

    /// After a large write (an import): folds SQLite's write-ahead log back into the database
    /// file and truncates it, so later reads do not search a log of hundreds of megabytes.
    /// Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if let Db::Sqlite(pool) = &self.db {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
        }
        Ok(())
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        const SQL: &str = "SELECT value FROM settings WHERE key = $1";
        let value =
            with_pool!(self, pool => sqlx::query_scalar::<_, String>(SQL).bind(key).fetch_optional(pool).await?);
        Ok(value)
    }

    /// Stores `value` under `key` unless one is there already; returns the value that stands.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        const SQL: &str = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
        with_pool!(self, pool => {
            sqlx::query(SQL).bind(key).bind(value).execute(pool).await?;
        });
        Ok(self.setting(key).await?.unwrap_or_else(|| value.to_owned()))
    }
}

pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Acknowledged writes are durable: every pooled SQLite connection commits with
    /// `synchronous = FULL` (2), not NORMAL (1).
    #[tokio::test]
    async fn sqlite_commits_are_synced() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("d.db").display())).await.expect("store");
        let Db::Sqlite(pool) = &store.db else { panic!("SQLite") };
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = pool.acquire().await.expect("connection");
            let level: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.expect("pragma");
            assert_eq!(level, 2, "synchronous must be FULL");
            held.push(conn);
        }
        drop(held);
        store.close().await;
    }
}
