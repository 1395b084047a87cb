//! Demo data for `belco-panel demo`: a handful of named customers and realistic orders in
//! several statuses and currencies, dated relative to today.

use belco::contract::{Order, Product};
use belco::money::Currency;
use belco::phone::{Region, customer_key};
use belco::store::{Store, StoreError, StoredOrder};

/// (name, email, phone) of the demo customers; the first is the one the printed URLs show.
pub const CUSTOMERS: [(&str, &str, &str); 5] = [
    ("Sanne de Vries", "sanne@example.com", "+31612345678"),
    ("Jan Jansen", "jan.jansen@example.nl", "06 87654321"),
    ("Élodie Martin", "elodie.martin@example.fr", "+33 6 12 34 56 78"),
    ("Tom Peeters", "tom.peeters@example.be", "+32 470 12 34 56"),
    ("Yuki Tanaka", "yuki@example.jp", ""),
];

const PRODUCTS: [(&str, i64); 8] = [
    ("Linen shirt", 5995),
    ("Wool socks (3-pack)", 1495),
    ("Leather belt", 4950),
    ("Canvas tote", 2400),
    ("Rain jacket", 12900),
    ("Denim jeans", 8995),
    ("Silk scarf", 3950),
    ("Running shoes", 11995),
];

const STATUSES: [&str; 6] = ["processing", "shipped", "completed", "completed", "cancelled", "refunded"];

/// The demo orders: three to six per customer, spread over the last year.
pub fn orders(now_millis: i64) -> Vec<Order> {
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let mut orders = Vec::new();
    let mut n = 0i64;
    for (c, (name, email, phone)) in CUSTOMERS.iter().enumerate() {
        let currency =
            Currency::parse(if email.ends_with(".jp") { "JPY" } else { "EUR" }).expect("a valid ISO 4217 code");
        for k in 0..(3 + (c % 4)) {
            n += 1;
            let date = now_millis - DAY * (2 + (n * 37 + k as i64 * 11) % 360) - n * 3_600_000;
            let products: Vec<Product> = (0..(1 + (n as usize % 3)))
                .map(|p| {
                    let (name, cents) = PRODUCTS[(n as usize + p * 3) % PRODUCTS.len()];
                    let price = if currency.minor_digits() == 0 { cents * 2 / 10 } else { cents };
                    Product { name: name.to_owned(), quantity: 1 + (p as i64 + n) % 2, price }
                })
                .collect();
            let total = products.iter().map(|p| p.price * p.quantity).sum();
            let id = format!("{}", 20_000 + n);
            orders.push(Order {
                number: format!("#{}", 10_400 + n),
                note: if n % 4 == 0 { "Gift wrap, please".into() } else { String::new() },
                date,
                created_at: date,
                updated_at: date + DAY * (n % 5),
                // The newest order of each customer is still on its way.
                status: if k == 0 { "processing".into() } else { STATUSES[(n as usize) % STATUSES.len()].into() },
                currency,
                products,
                total,
                url: format!("https://shop.example/admin/orders/{id}"),
                email: (*email).to_owned(),
                phone_number: (*phone).to_owned(),
                customer_name: Some((*name).to_owned()),
                id,
            });
        }
    }
    orders
}

/// Stores the demo orders unless the database already holds orders; returns how many it added.
pub async fn seed(store: &Store, region: Region) -> Result<usize, StoreError> {
    if store.count_orders().await? > 0 {
        return Ok(0);
    }
    let rows: Vec<StoredOrder> = orders(belco::store::now_millis())
        .into_iter()
        .map(|o| {
            let key = customer_key(&o.email, &o.phone_number, region);
            StoredOrder::new(o, key)
        })
        .collect();
    store.upsert_orders(&rows).await?;
    // Two notes on the first customer, so the demo shows what notes look like.
    let (_, email, phone) = CUSTOMERS[0];
    let sanne = customer_key(email, phone, region);
    store.add_note(&sanne, "Demo agent", "Prefers to be called after 17:00.").await?;
    store.add_note(&sanne, "Demo agent", "Asked about gift wrapping for the December order.").await?;
    Ok(rows.len())
}
