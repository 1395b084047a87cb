//! How values read for people in the panel: money, order numbers, status badges.

use belco::money::Currency;

/// Money for people: the currency's own digits, with a symbol where one is unambiguous.
pub fn money_text(minor: i64, currency: Currency) -> String {
    let mut text = String::with_capacity(24);
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
    belco::money::push_amount(&mut text, minor.unsigned_abs(), currency);
    if symbol.is_none() {
        text.push(' ');
        text.push_str(currency.code());
    }
    text
}

/// What goes before an order number so that it reads as people say it, `#1234`: nothing when the
/// shop already wrote the `#`.
pub fn number_sign(number: &str) -> &'static str {
    if number.starts_with('#') { "" } else { "#" }
}

/// The badge's classes for a status: shops name statuses freely, so only common words count.
pub fn status_class(status: &str) -> &'static str {
    match status.trim().to_ascii_lowercase().as_str() {
        "completed" | "complete" | "delivered" | "shipped" | "paid" | "closed" => "badge badge--done",
        "cancelled" | "canceled" | "refunded" | "failed" | "declined" | "returned" => "badge badge--stopped",
        "processing" | "pending" | "new" | "open" | "on-hold" | "on hold" | "awaiting payment" => "badge badge--open",
        _ => "badge",
    }
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

    #[test]
    fn statuses_and_numbers() {
        assert_eq!(status_class(" Shipped "), "badge badge--done");
        assert_eq!(status_class("Bespoke"), "badge");
        assert_eq!(number_sign("#12"), "");
        assert_eq!(number_sign("12"), "#");
    }
}
