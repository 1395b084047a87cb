//! The shop's customers as the preview's picker lists them: whoever placed the newest orders.

use super::fast_read::row_struct;
use super::query::{Params, Query};
use super::{Store, StoreError, sql};

row_struct! {
    /// One order's customer, as the shop wrote them and as the panel matches them.
    pub(super) struct CustomerRow {
        customer_name: Option<String>,
        email: String,
        phone_number: String,
        email_norm: Option<String>,
        phone_norm: Option<String>,
    }
}

const RECENT_CUSTOMERS: Query<CustomerRow> =
    Query { sql: sql::RECENT_CUSTOMERS, from_rusqlite: CustomerRow::from_rusqlite, newest: None };

/// A customer with an order: what Belco would append for them, as the shop stored it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownCustomer {
    pub name: Option<String>,
    pub email: String,
    pub phone: String,
}

/// How many of the newest orders the picker looks through for its customers.
const ORDERS_READ: i64 = 1000;

impl Store {
    /// Up to `limit` customers, those with the newest orders first, each once (by the normalized
    /// identifiers the panel matches them on).
    pub async fn recent_customers(&self, limit: usize) -> Result<Vec<KnownCustomer>, StoreError> {
        let rows = self.read(&RECENT_CUSTOMERS, Params::Limit(ORDERS_READ)).await?;
        let mut seen = std::collections::HashSet::new();
        let customers = rows
            .into_iter()
            .filter(|row| seen.insert((row.email_norm.clone(), row.phone_norm.clone())))
            .take(limit)
            .map(|row| KnownCustomer {
                name: row.customer_name.filter(|name| !name.trim().is_empty()),
                email: row.email,
                phone: row.phone_number,
            })
            .collect();
        Ok(customers)
    }
}
