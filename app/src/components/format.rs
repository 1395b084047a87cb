//! How values read for people in the panel and the preview: order numbers and status badges
//! (amounts and times are the language's: `i18n::L10n`).

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
    fn statuses_and_numbers() {
        assert_eq!(status_class(" Shipped "), "badge badge--done");
        assert_eq!(status_class("Bespoke"), "badge");
        assert_eq!(number_sign("#12"), "");
        assert_eq!(number_sign("12"), "#");
    }
}
