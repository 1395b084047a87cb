//! What the orders API and the customer panel read: a customer's orders (as Belco's JSON, or as
//! the panel lists them) and everything the panel shows at once ([`CustomerRecords`]).

use super::fast_read::{Newest, row_struct};
use super::notes::{NOTES, Note};
use super::panel_orders::{ORDERS, OrderRow, PanelOrder};
use super::query::{Params, Query};
use super::submissions::{CUSTOMER_SUBMISSIONS, RecordOwner, Submission};
use super::summary::{CustomerSummary, SUMMARY, SummaryRow};
use super::{Store, StoreError, sql};
use crate::identity::CustomerKey;

row_struct! {
    /// An order in Belco's JSON with what orders it. Only SQLite's read path, which sorts small
    /// answers itself, reads the date and id; sqlx, whose queries sort in the database, skips them.
    struct BelcoJsonRow {
        #[sqlx(skip)]
        order_date: i64,
        #[sqlx(skip)]
        id: String,
        belco_json: String,
    }
}

/// The orders API's answer, newest first ([`Params::Newest`]).
const BELCO_ORDERS: Query<BelcoJsonRow> = Query {
    sql: sql::BELCO_ORDERS,
    from_rusqlite: BelcoJsonRow::from_rusqlite,
    newest: Some(Newest {
        unordered: sql::BELCO_ORDERS_UNORDERED,
        newest_first: |a, b| (b.order_date, &b.id).cmp(&(a.order_date, &a.id)),
    }),
};

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

impl Store {
    /// The customer's orders in Belco's JSON, newest first: those matching the email or the
    /// phone, exactly, on their normalized forms.
    pub async fn belco_orders(&self, key: &CustomerKey, limit: i64) -> Result<Vec<String>, StoreError> {
        let rows = self.read(&BELCO_ORDERS, Params::Newest(key, limit)).await?;
        Ok(rows.into_iter().map(|row| row.belco_json).collect())
    }

    /// The customer's orders as the panel shows them, newest first.
    pub async fn orders(&self, key: &CustomerKey, limit: i64) -> Result<Vec<PanelOrder>, StoreError> {
        let rows = self.read(&ORDERS, Params::Newest(key, limit)).await?;
        rows.into_iter().map(OrderRow::into_panel_order).collect()
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
        let Some(reader) = &self.reader else {
            let (orders, notes, submissions) = futures::try_join!(
                self.orders(key, limits.orders),
                self.notes(key, limits.notes),
                self.submissions(RecordOwner::Customer(key), limits.submissions),
            )?;
            let summary = if (orders.len() as i64) < limits.orders {
                CustomerSummary::of(&orders)
            } else {
                self.customer_summary(key).await?
            };
            return Ok(CustomerRecords { summary, orders, notes, submissions });
        };
        let (orders, summary, notes, submissions) = reader.snapshot(|db| {
            let orders = ORDERS.on_sqlite(db, Params::Newest(key, limits.orders))?;
            let summary = if (orders.len() as i64) < limits.orders {
                None
            } else {
                Some(SUMMARY.on_sqlite(db, Params::Customer(key))?)
            };
            let notes = NOTES.on_sqlite(db, Params::Newest(key, limits.notes))?;
            let submissions = CUSTOMER_SUBMISSIONS.on_sqlite(db, Params::Newest(key, limits.submissions))?;
            Ok((orders, summary, notes, submissions))
        })?;
        let orders = orders.into_iter().map(OrderRow::into_panel_order).collect::<Result<Vec<_>, _>>()?;
        let summary = match summary {
            Some(rows) => SummaryRow::summary(rows)?,
            None => CustomerSummary::of(&orders),
        };
        let mut submissions = submissions.into_iter().map(Submission::try_from).collect::<Result<Vec<_>, _>>()?;
        // Outside the snapshot: a delivery is written with its submission and only its state
        // changes, so reading it a moment later shows it as it is now.
        self.attach_deliveries(&mut submissions).await?;
        Ok(CustomerRecords { summary, orders, notes, submissions })
    }
}
