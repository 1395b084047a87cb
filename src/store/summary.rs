//! Who a customer is to the shop, from all their orders: the panel's header
//! ([`CustomerSummary`]), summed by the database or, when the panel already has all the orders,
//! in Rust, with the same answer either way.

use super::fast_read::row_struct;
use super::panel_orders::PanelOrder;
use super::query::{Params, Query};
use super::{Store, StoreError, sql};
use crate::identity::CustomerKey;
use crate::money::Currency;

/// A customer's summary, one row per currency ([`Params::Customer`]).
pub(super) const SUMMARY: Query<SummaryRow> =
    Query { sql: sql::SUMMARY, from_rusqlite: SummaryRow::from_rusqlite, newest: None };

row_struct! {
    /// One currency's line of a customer's summary.
    pub(super) struct SummaryRow {
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
    pub(super) fn summary(rows: Vec<SummaryRow>) -> Result<CustomerSummary, StoreError> {
        let mut summary = CustomerSummary::default();
        for SummaryRow { name, currency, orders, total_high, total_low, first_order_at: first } in rows {
            let total = clamp_total(i128::from(total_high) * TOTAL_SPLIT + i128::from(total_low));
            let currency = Currency::stored(&currency)
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

impl Store {
    /// Who the customer is to the shop, from all their orders (not only the newest `limit`): the
    /// name on their newest order that has one, how many orders, since when, and what they spent
    /// per currency (sums in minor units, currencies in code order).
    pub async fn customer_summary(&self, key: &CustomerKey) -> Result<CustomerSummary, StoreError> {
        SummaryRow::summary(self.read(&SUMMARY, Params::Customer(key)).await?)
    }
}
