//! The orders API's answer as Belco lists it on the customer card (its "Orders" block), for the
//! preview: read from the JSON the API answered, as Belco reads it, not from the database.

use leptos::either::EitherOf3;
use leptos::prelude::*;
use serde::Deserialize;

use super::format::{number_sign, status_class};

/// What the orders API answered one lookup.
#[derive(Clone, Debug)]
pub struct OrdersAnswer {
    /// The URL asked, with the token masked.
    pub url: String,
    pub status: u16,
    pub body: String,
    /// Why Belco would not read the body (its shape against Belco's), if it would not.
    pub problem: Option<String>,
}

/// The fields Belco shows of an order; anything else in the JSON is ignored, as Belco does.
#[derive(Debug, Deserialize)]
struct Listing {
    orders: Vec<BelcoOrder>,
}

#[derive(Debug, Deserialize)]
struct BelcoOrder {
    #[serde(default)]
    number: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    currency: String,
    total: Option<serde_json::Number>,
    #[serde(default)]
    products: Vec<BelcoProduct>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    url: String,
}

#[derive(Debug, Deserialize)]
struct BelcoProduct {
    #[serde(default)]
    name: String,
    quantity: Option<serde_json::Number>,
    price: Option<serde_json::Number>,
}

#[component]
pub fn BelcoOrders(answer: OrdersAnswer) -> impl IntoView {
    let OrdersAnswer { url, status, body, problem } = answer;
    let listing = match (status, &problem) {
        (200, None) => serde_json::from_str::<Listing>(&body).map_err(|e| e.to_string()),
        (200, Some(problem)) => Err(problem.clone()),
        (status, _) => Err(format!("the orders API answered {status}, so Belco shows no orders")),
    };
    let shown = match listing {
        Ok(listing) if listing.orders.is_empty() => {
            EitherOf3::A(view! { <p class="belco-orders__empty">"No orders found for this customer."</p> })
        }
        Ok(listing) => {
            let items = listing.orders.into_iter().map(|order| view! { <BelcoOrderItem order/> }).collect::<Vec<_>>();
            EitherOf3::B(view! { <ul class="belco-orders__list">{items}</ul> })
        }
        Err(why) => EitherOf3::C(
            view! { <p class="belco-orders__problem" role="alert">{format!("Belco would show nothing: {why}.")}</p> },
        ),
    };
    view! {
        {shown}
        <details class="belco-orders__raw">
            <summary>{format!("The JSON Belco received ({status})")}</summary>
            <p class="belco-orders__url"><code>{format!("GET {url}")}</code></p>
            <pre>{body}</pre>
        </details>
    }
}

#[component]
fn BelcoOrderItem(order: BelcoOrder) -> impl IntoView {
    let BelcoOrder { number, date, status, currency, total, products, note, url } = order;
    // Belco shows the day of an ISO 8601 date.
    let day = date.get(..10).unwrap_or(&date).to_owned();
    let badge = status_class(&status);
    let total = total.map(|total| amount(&total, &currency)).unwrap_or_default();
    let lines = products
        .into_iter()
        .map(|product| {
            let quantity = product.quantity.map(|q| q.to_string()).unwrap_or_else(|| "?".into());
            let price = product.price.map(|p| amount(&p, &currency)).unwrap_or_default();
            view! { <li>{format!("{quantity} × {}", product.name)} <span class="belco-orders__price">{price}</span></li> }
        })
        .collect::<Vec<_>>();
    let link =
        (!url.is_empty()).then(|| view! { <a href=url target="_blank" rel="noopener noreferrer">"View order"</a> });
    view! {
        <li class="belco-orders__order">
            <div class="belco-orders__head">
                <span class="belco-orders__number">{format!("{}{number}", number_sign(&number))}</span>
                <span class=badge>{status}</span>
            </div>
            <div class="belco-orders__meta">
                <span>{day}</span>
                <span class="belco-orders__total">{total}</span>
            </div>
            <ul class="belco-orders__products">{lines}</ul>
            {(!note.is_empty()).then(|| view! { <p class="belco-orders__note">{note}</p> })}
            {link}
        </li>
    }
}

/// An amount of the JSON with its currency, to the currency's digits when ISO 4217 knows it
/// (`EUR 48.00`), else as the JSON wrote it.
fn amount(value: &serde_json::Number, currency: &str) -> String {
    match (belco::money::Currency::parse(currency), value.as_f64()) {
        (Ok(code), Some(value)) => format!("{currency} {value:.digits$}", digits = code.minor_digits() as usize),
        _ => format!("{currency} {value}"),
    }
}

/// The block alone, as `GET /preview/orders` answers it for the preview to swap in.
pub fn belco_orders_html(answer: OrdersAnswer) -> String {
    super::render_html(move || view! { <BelcoOrders answer/> })
}
