//! An order as the panel lists it ([`PanelOrder`]), and the query that reads a customer's, newest
//! first. The customer's records (`records`) and their summary (`summary`) both use it.

use super::fast_read::{Newest, row_struct};
use super::products::{self, ProductLine};
use super::query::Query;
use super::{StoreError, sql};
use crate::money::Currency;

row_struct! {
    /// An order as the panel reads it (the columns of a [`PanelOrder`]).
    pub(super) struct OrderRow {
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
    pub(super) fn into_panel_order(self) -> Result<PanelOrder, StoreError> {
        let currency = Currency::stored(&self.currency)
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

/// The panel's orders, newest first ([`Params::Newest`]).
pub(super) const ORDERS: Query<OrderRow> = Query {
    sql: sql::ORDERS,
    from_rusqlite: OrderRow::from_rusqlite,
    newest: Some(Newest {
        unordered: sql::ORDERS_UNORDERED,
        newest_first: |a, b| (b.order_date, &b.id).cmp(&(a.order_date, &a.id)),
    }),
};

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
