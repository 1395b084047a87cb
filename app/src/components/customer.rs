//! A customer's header (who they are, what they bought in all) and their newest orders.

use belco::locale::datetime_attr;
use belco::store::{CustomerSummary, PanelOrder};
use leptos::either::Either;
use leptos::prelude::*;

use super::format::{number_sign, status_class};
use crate::i18n::L10n;

/// One term and its value in a `<dl class="facts">`.
pub fn fact(term: &'static str, value: impl IntoView) -> impl IntoView {
    view! {
        <div class="facts__item">
            <dt>{term}</dt>
            <dd>{value}</dd>
        </div>
    }
}

/// The customer's name (or else what Belco identified them by) and the facts about them.
#[component]
pub fn CustomerHeader(
    email: Option<String>,
    phone: Option<String>,
    summary: CustomerSummary,
    l10n: L10n,
) -> impl IntoView {
    let CustomerSummary { name, orders, first_order_at, totals } = summary;
    let words = l10n.words();
    let heading = name.or_else(|| email.clone()).or_else(|| phone.clone()).unwrap_or_default();
    let since = first_order_at.map(|at| view! { <time datetime=datetime_attr(at)>{l10n.date(at)}</time> });
    let spent = (!totals.is_empty()).then(|| {
        let amounts = totals
            .into_iter()
            .map(|(currency, minor)| view! { <span class="facts__money">{l10n.money(minor, currency)}</span> })
            .collect::<Vec<_>>();
        fact(words.total_spent, amounts)
    });
    view! {
        <header class="panel-header">
            <h1 class="panel-header__name">{heading}</h1>
            <dl class="facts">
                {email.map(|email| fact(words.email, email))}
                {phone.map(|phone| fact(words.phone, phone))}
                {since.map(|since| fact(words.customer_since, since))}
                {fact(words.order_count, orders)}
                {spent}
            </dl>
        </header>
    }
}

/// The newest orders, of `total` in all.
#[component]
pub fn OrderList(orders: Vec<PanelOrder>, total: i64, l10n: L10n) -> impl IntoView {
    let shown = orders.len() as i64;
    let words = l10n.words();
    let list = if orders.is_empty() {
        Either::Left(view! { <p class="orders__empty">{words.no_orders}</p> })
    } else {
        let items = orders.into_iter().map(|order| view! { <OrderItem order l10n=l10n.clone()/> }).collect::<Vec<_>>();
        Either::Right(view! { <ul class="orders__list">{items}</ul> })
    };
    view! {
        <section class="orders" aria-labelledby="orders-title">
            <h2 id="orders-title">{words.orders}</h2>
            {list}
            {(total > shown).then(|| view! { <p class="orders__more">{(words.newest_of)(shown, total)}</p> })}
        </section>
    }
}

/// One order, closed: its summary shows number, date, status and total; opened, it lists the
/// products, the shop's note and a link to the order in the shop. `<details>` needs no wasm.
#[component]
fn OrderItem(order: PanelOrder, l10n: L10n) -> impl IntoView {
    let words = l10n.words();
    let products = match order.products() {
        Ok(products) if products.is_empty() => None,
        Ok(products) => {
            let lines = products
                .into_iter()
                .map(|product| {
                    let price = l10n.money(product.price, order.currency);
                    view! {
                        <li class="products__item">
                            <span class="products__name">{format!("{} × {}", product.name, product.quantity)}</span>
                            <span class="products__price">{price}</span>
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            Some(Either::Left(view! { <ul class="products" aria-label=words.products>{lines}</ul> }))
        }
        // Only the import writes products, so this is a damaged row: the rest of the order, and
        // of the panel, still shows.
        Err(error) => {
            tracing::error!(%error, "an order's products could not be read");
            Some(Either::Right(view! { <p class="order__note">{words.products_unreadable}</p> }))
        }
    };
    let PanelOrder { number, note, status, currency, total, date, url, .. } = order;
    let (sign, badge) = (number_sign(&number), status_class(&status));
    let note = (!note.trim().is_empty()).then(|| view! { <p class="order__note">{note}</p> });
    let link = (!url.is_empty()).then(|| {
        view! { <a class="order__link" href=url target="_blank" rel="noopener noreferrer">{words.open_in_shop}</a> }
    });
    view! {
        <li class="order">
            <details>
                <summary class="order__summary">
                    <span class="order__number">{format!("{sign}{number}")}</span>
                    <time class="order__date" datetime=datetime_attr(date)>{l10n.date(date)}</time>
                    <span class=badge>{status}</span>
                    <span class="order__total">{l10n.money(total, currency)}</span>
                </summary>
                <div class="order__body">{products}{note}{link}</div>
            </details>
        </li>
    }
}
