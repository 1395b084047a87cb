//! The panel itself, written with the HTML writer (`pages::html`) into the document's body: the
//! customer's header and orders, or the company's, and the islands with this panel's values.

use belco::money::Currency;
use belco::store::{CustomerSummary, PanelOrder};
use belco::time::{format_day, format_iso_day, push_day, push_iso_day};

use super::FrameSettings;
use super::page::write_island;
use crate::pages::html::Html;
use crate::server_fns::{NoteView, SubmissionView};

/// What the page shows, read before anything is rendered.
pub(super) enum Page {
    /// A refusal or a problem with the link: a title and a sentence, nothing else.
    Message {
        title: &'static str,
        text: &'static str,
    },
    /// Storage did not answer.
    Unavailable,
    Company {
        stored: i64,
        capability: Option<String>,
        submissions: Vec<SubmissionView>,
    },
    Customer(Box<Customer>),
}

/// A customer's panel, as read.
pub(super) struct Customer {
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) summary: CustomerSummary,
    pub(super) orders: Vec<PanelOrder>,
    pub(super) notes: Vec<NoteView>,
    pub(super) submissions: Vec<SubmissionView>,
    /// Neither identifier could be read: the panel names nobody, so no notes or forms.
    pub(super) unreadable: bool,
    pub(super) capability: Option<String>,
}

/// Money for people: the currency's own digits, with a symbol where one is unambiguous.
pub fn money_text(minor: i64, currency: Currency) -> String {
    let mut text = String::with_capacity(24);
    push_money_text(&mut text, minor, currency);
    text
}

/// [`money_text`], appended to `text`.
pub fn push_money_text(text: &mut String, minor: i64, currency: Currency) {
    if minor < 0 {
        text.push('−');
    }
    let symbol = match currency.code() {
        "EUR" => Some('€'),
        "USD" => Some('$'),
        "GBP" => Some('£'),
        _ => None,
    };
    text.extend(symbol);
    belco::money::push_amount(text, minor.unsigned_abs(), currency);
    if symbol.is_none() {
        text.push(' ');
        text.push_str(currency.code());
    }
}

/// What goes before an order number so that it reads as people say it, `#1234`: nothing when the
/// shop already wrote the `#`.
pub fn number_sign(number: &str) -> &'static str {
    if number.starts_with('#') { "" } else { "#" }
}

/// The badge's modifier for a status: shops name statuses freely, so only common words count.
pub fn status_class(status: &str) -> &'static str {
    match status.trim().to_ascii_lowercase().as_str() {
        "completed" | "complete" | "delivered" | "shipped" | "paid" | "closed" => "badge badge--done",
        "cancelled" | "canceled" | "refunded" | "failed" | "declined" | "returned" => "badge badge--stopped",
        "processing" | "pending" | "new" | "open" | "on-hold" | "on hold" | "awaiting payment" => "badge badge--open",
        _ => "badge",
    }
}

/// The panel `page` describes, into the document's body.
pub(super) fn main(html: &mut Html, settings: &FrameSettings, page: Page) {
    match page {
        Page::Message { title, text } => {
            html.raw("<main class=\"frame frame--message\"><h1>")
                .text(title)
                .raw("</h1><p>")
                .text(text)
                .raw("</p></main>");
        }
        Page::Unavailable => {
            html.raw(
                "<main class=\"frame\"><p class=\"frame__error\" role=\"alert\">The panel cannot reach its \
                 storage. Try again in a moment.</p></main>",
            );
        }
        Page::Company { stored, capability, submissions } => {
            html.raw("<main class=\"frame\">");
            company_panel(html, settings, stored, capability, submissions);
            html.raw("</main>");
        }
        Page::Customer(customer) => {
            html.raw("<main class=\"frame\">");
            customer_panel(html, settings, *customer);
            html.raw("</main>");
        }
    }
}

/// Shown where the notes and forms would be when the server has no signing key.
fn interactive_off(html: &mut Html) {
    html.raw("<p class=\"frame__notice\">Notes and forms are off: this server has no BELCO_SIGNING_KEY.</p>");
}

fn company_panel(
    html: &mut Html,
    settings: &FrameSettings,
    stored: i64,
    capability: Option<String>,
    submissions: Vec<SubmissionView>,
) {
    html.raw(
        "<header class=\"panel-header\"><h1>Company</h1><p class=\"panel-header__note\">Belco sent no email \
         address or phone number, so this is the shop-wide view.</p></header><dl class=\"facts\">\
         <div class=\"facts__item\"><dt>Orders stored</dt><dd>",
    )
    .number(stored)
    .raw("</dd></div></dl>");
    match capability {
        Some(capability) => write_island(html, &settings.page.company_forms, &capability, &[], &submissions),
        None => interactive_off(html),
    }
}

fn customer_panel(html: &mut Html, settings: &FrameSettings, customer: Customer) {
    let Customer { email, phone, summary, orders, notes, submissions, unreadable, capability } = customer;
    customer_header(html, email.as_deref(), phone.as_deref(), &summary, &orders);
    match (unreadable, capability) {
        (true, _) => {
            html.raw(
                "<p class=\"frame__notice\">Notes and forms need an email address or phone number this panel \
                 can read.</p>",
            );
        }
        (false, Some(capability)) => {
            write_island(html, &settings.page.notes, &capability, &notes, &[]);
            write_island(html, &settings.page.customer_forms, &capability, &[], &submissions);
        }
        (false, None) => interactive_off(html),
    }
}

/// Who the customer is, what they bought in all, and their newest orders.
fn customer_header(
    html: &mut Html,
    email: Option<&str>,
    phone: Option<&str>,
    summary: &CustomerSummary,
    orders: &[PanelOrder],
) {
    let heading = summary.name.as_deref().or(email).or(phone).unwrap_or_default();
    html.raw("<header class=\"panel-header\"><h1 class=\"panel-header__name\">")
        .text(heading)
        .raw("</h1><dl class=\"facts\">");
    let fact = |html: &mut Html, term: &'static str| {
        html.raw("<div class=\"facts__item\"><dt>").raw(term).raw("</dt><dd>");
    };
    if let Some(email) = email {
        fact(html, "Email");
        html.text(email).raw("</dd></div>");
    }
    if let Some(phone) = phone {
        fact(html, "Phone");
        html.text(phone).raw("</dd></div>");
    }
    if let Some(at) = summary.first_order_at {
        fact(html, "Customer since");
        html.time(None, &format_iso_day(at), &format_day(at)).raw("</dd></div>");
    }
    fact(html, "Orders");
    html.number(summary.orders).raw("</dd></div>");
    if !summary.totals.is_empty() {
        fact(html, "Total spent");
        for (currency, minor) in &summary.totals {
            html.raw("<span class=\"facts__money\">").text(&money_text(*minor, *currency)).raw("</span>");
        }
        html.raw("</dd></div>");
    }
    html.raw(
        "</dl></header><section class=\"orders\" aria-labelledby=\"orders-title\">\
         <h2 id=\"orders-title\">Orders</h2>",
    );
    if orders.is_empty() {
        html.raw("<p class=\"orders__empty\">No orders yet</p>");
    } else {
        html.raw("<ul class=\"orders__list\">");
        orders_html(html, orders);
        html.raw("</ul>");
    }
    let shown = orders.len() as i64;
    if summary.orders > shown {
        html.raw("<p class=\"orders__more\">The newest ")
            .number(shown)
            .raw(" of ")
            .number(summary.orders)
            .raw(" orders.</p>");
    }
    html.raw("</section>");
}

/// The orders' `<li>`s (see `pages::html` for why they are not views): each a `<details>`
/// whose summary shows number, date, status and total, and whose body lists the products,
/// the shop's note and a link to the order in the shop.
fn orders_html(html: &mut Html, orders: &[PanelOrder]) {
    // Dates and amounts are written into these and copied, escaped, into the page: a few
    // hundred per page, so without a string of their own each.
    let (mut iso, mut day, mut money) = (String::new(), String::new(), String::new());
    for order in orders {
        let currency = order.currency;
        html.raw("<li class=\"order\"><details><summary class=\"order__summary\"><span class=\"order__number\">")
            .raw(number_sign(&order.number))
            .text(&order.number)
            .raw("</span>")
            .time(
                Some("order__date"),
                scratch(&mut iso, |s| push_iso_day(s, order.date)),
                scratch(&mut day, |s| push_day(s, order.date)),
            )
            .raw("<span class=\"")
            .raw(status_class(&order.status))
            .raw("\">")
            .text(&order.status)
            .raw("</span><span class=\"order__total\">")
            .text(scratch(&mut money, |s| push_money_text(s, order.total, currency)))
            .raw("</span></summary><div class=\"order__body\">");
        match order.products() {
            Ok(products) if products.is_empty() => {}
            Ok(products) => {
                html.raw("<ul class=\"products\" aria-label=\"Products\">");
                for product in &products {
                    html.raw("<li class=\"products__item\"><span class=\"products__name\">")
                        .text(&product.name)
                        .raw(" × ")
                        .number(product.quantity)
                        .raw("</span><span class=\"products__price\">")
                        .text(scratch(&mut money, |s| push_money_text(s, product.price, currency)))
                        .raw("</span></li>");
                }
                html.raw("</ul>");
            }
            // Only the import writes products, so this is a damaged row: the rest of the
            // order, and of the panel, still shows.
            Err(error) => {
                tracing::error!(%error, "an order's products could not be read");
                html.raw("<p class=\"order__note\">The products of this order could not be read.</p>");
            }
        }
        if !order.note.trim().is_empty() {
            html.raw("<p class=\"order__note\">").text(&order.note).raw("</p>");
        }
        if !order.url.is_empty() {
            html.raw("<a class=\"order__link\" href=\"")
                .attr(&order.url)
                .raw("\" target=\"_blank\" rel=\"noopener noreferrer\">Open in the shop</a>");
        }
        html.raw("</div></details></li>");
    }
}

/// `buffer`, emptied and written again by `write`.
fn scratch(buffer: &mut String, write: impl FnOnce(&mut String)) -> &str {
    buffer.clear();
    write(buffer);
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_naturally() {
        let code = |c: &str| Currency::parse(c).unwrap();
        assert_eq!(money_text(1000, code("EUR")), "€10.00");
        assert_eq!(money_text(-5, code("EUR")), "−€0.05");
        assert_eq!(money_text(1000, code("JPY")), "1000 JPY");
        assert_eq!(money_text(1234, code("KWD")), "1.234 KWD");
    }
}
