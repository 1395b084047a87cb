//! An order's products as the panel reads them back from the `products` column, which the import
//! writes with `serde_json::to_string(&Vec<Product>)`.
//!
//! Read by serde_json, borrowing each name from the stored JSON unless it holds escapes. A
//! hand-written reader of the one shape the import writes was measured against it (release
//! build, the benchmark's 20-order panel, 59 product lines; best of 12 runs on a busy 2-core
//! machine): 3.1 µs a page by hand, 7.5 µs by serde_json. The 4.4 µs difference is ~1.5% of a
//! panel page's ~0.3 ms of CPU, which does not pay for a second JSON parser.

use std::borrow::Cow;

/// One product line; the name borrowed from the stored JSON unless it holds escapes. `price` in
/// minor units of the order's currency.
#[derive(Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ProductLine<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    pub quantity: i64,
    pub price: i64,
}

/// The products in `json`.
pub fn read(json: &str) -> Result<Vec<ProductLine<'_>>, serde_json::Error> {
    serde_json::from_str(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Product;

    #[test]
    fn what_the_import_writes_is_read_back_borrowing_names_without_escapes() {
        let product = |name: &str, quantity, price| Product { name: name.into(), quantity, price };
        let lists = [
            vec![],
            vec![product("Canvas tote", 3, 15417)],
            vec![product("Zoë's scarf 🧣", 0, 0), product("", 1, -250), product("x", i64::MAX, i64::MIN)],
            vec![product("The \"Big\" one", 1, 10), product("two\nlines \\ tab\t", 2, 20)],
            vec![product("a</script>&b", 12, 9_999_999)],
        ];
        for products in lists {
            let json = serde_json::to_string(&products).expect("json");
            let read = read(&json).expect("readable");
            let lines: Vec<(&str, i64, i64)> =
                read.iter().map(|line| (line.name.as_ref(), line.quantity, line.price)).collect();
            let written: Vec<(&str, i64, i64)> =
                products.iter().map(|p| (p.name.as_str(), p.quantity, p.price)).collect();
            assert_eq!(lines, written, "{json}");
            for line in &read {
                let escaped = serde_json::to_string(line.name.as_ref()).expect("json").contains('\\');
                assert_eq!(matches!(line.name, Cow::Owned(_)), escaped, "{:?} is copied only if escaped", line.name);
            }
        }
    }

    #[test]
    fn other_shapes_are_read_and_damaged_rows_are_errors() {
        for json in [
            r#"[{"quantity":1,"name":"reordered","price":2}]"#,
            r#"[ {"name":"spaced","quantity":1,"price":2} ]"#,
            // A key the panel does not know is passed over, as it always was.
            r#"[{"name":"extra","quantity":1,"price":2,"sku":"x"}]"#,
        ] {
            assert_eq!(read(json).expect(json).len(), 1, "{json}");
        }
        for json in [
            r#"[{"name":"float","quantity":1.5,"price":2}]"#,
            r#"[{"name":"lead","quantity":01,"price":2}]"#,
            r#"[{"name":"big","quantity":1,"price":99999999999999999999}]"#,
            r#"[{"name":"missing","quantity":1}]"#,
            r#"[{"name":"cut","quantity":1,"price":2}"#,
            r#"[{"name":"trailing","quantity":1,"price":2},]"#,
            r#"[{"name":"after","quantity":1,"price":2}]x"#,
            r#"[{"name":"minus","quantity":-,"price":2}]"#,
            r#"[{"name":"neg zero","quantity":-0,"price":2}]"#,
            "[",
            "",
            "null",
        ] {
            assert!(read(json).is_err(), "{json} must be refused");
        }
        assert_eq!(read("[]").expect("empty"), []);
    }
}
