//! An order's products as the panel reads them back from the `products` column.
//!
//! The import writes that column with `serde_json::to_string(&Vec<Product>)`, so nearly every
//! value has exactly one shape: `[{"name":"…","quantity":3,"price":1250},…]`. The panel reads the
//! products of twenty orders per page, and serde_json spends ~100 ns on each product line (field
//! names matched, the name checked for escapes, numbers parsed through its generic visitor); that
//! was a tenth of the page's CPU. [`read`] reads that one shape directly, borrowing each name, and
//! hands anything else (a name with an escape in it, a row written some other way) to serde_json,
//! which gives the same answer, or the error, for every input (tests below).

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

/// The products in `json`, as serde_json would read them.
pub fn read(json: &str) -> Result<Vec<ProductLine<'_>>, serde_json::Error> {
    match as_written(json) {
        Some(lines) => Ok(lines),
        None => serde_json::from_str(json),
    }
}

/// The products, if `json` has exactly the shape the import writes and no name needs unescaping.
fn as_written(json: &str) -> Option<Vec<ProductLine<'_>>> {
    let mut rest = json.strip_prefix('[')?;
    let mut lines = Vec::new();
    if rest == "]" {
        return Some(lines);
    }
    loop {
        rest = rest.strip_prefix("{\"name\":\"")?;
        let end = rest.find('"')?;
        let name = &rest[..end];
        // An escape (`\"`, `\n`, `\u00e9`…) or a raw control character: serde_json decides.
        if name.bytes().any(|b| b == b'\\' || b < 0x20) {
            return None;
        }
        rest = rest[end..].strip_prefix("\",\"quantity\":")?;
        let (quantity, after) = integer(rest)?;
        rest = after.strip_prefix(",\"price\":")?;
        let (price, after) = integer(rest)?;
        rest = after.strip_prefix('}')?;
        lines.push(ProductLine { name: Cow::Borrowed(name), quantity, price });
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => return (rest == "]").then_some(lines),
        }
    }
}

/// A JSON integer as serde_json writes an `i64` (`-` then digits, no leading zero, never `-0`,
/// which serde_json reads as a float), and what follows it.
fn integer(text: &str) -> Option<(i64, &str)> {
    let digits_from = usize::from(text.starts_with('-'));
    let len = text[digits_from..].bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = text.split_at(digits_from + len);
    let digits = &number[digits_from..];
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) || number == "-0" {
        return None;
    }
    Some((number.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Product;

    fn serde(json: &str) -> Result<Vec<ProductLine<'_>>, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn what_the_import_writes_is_read_as_serde_json_reads_it() {
        let product = |name: &str, quantity, price| Product { name: name.into(), quantity, price };
        let lists = [
            vec![],
            vec![product("Canvas tote", 3, 15417)],
            vec![product("Zoë's scarf 🧣", 0, 0), product("", 1, -250), product("x", i64::MAX, i64::MIN)],
            // Escaped when written: these go to serde_json.
            vec![product("The \"Big\" one", 1, 10), product("two\nlines \\ tab\t", 2, 20)],
            vec![product("a</script>&b", 12, 9_999_999)],
        ];
        for products in lists {
            let json = serde_json::to_string(&products).expect("json");
            let read = read(&json).expect("readable");
            assert_eq!(Ok(&read), serde(&json).as_ref(), "{json}");
            let names: Vec<&str> = read.iter().map(|line| line.name.as_ref()).collect();
            let written: Vec<&str> = products.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, written, "{json}");
            if !json.contains('\\') {
                assert!(as_written(&json).is_some(), "the direct path reads {json}");
            }
        }
    }

    #[test]
    fn anything_else_gets_serde_jsons_answer() {
        for json in [
            r#"[{"quantity":1,"name":"reordered","price":2}]"#,
            r#"[ {"name":"spaced","quantity":1,"price":2} ]"#,
            r#"[{"name":"float","quantity":1.5,"price":2}]"#,
            r#"[{"name":"lead","quantity":01,"price":2}]"#,
            r#"[{"name":"big","quantity":1,"price":99999999999999999999}]"#,
            r#"[{"name":"extra","quantity":1,"price":2,"sku":"x"}]"#,
            r#"[{"name":"missing","quantity":1}]"#,
            r#"[{"name":"cut","quantity":1,"price":2}"#,
            r#"[{"name":"trailing","quantity":1,"price":2},]"#,
            r#"[{"name":"after","quantity":1,"price":2}]x"#,
            r#"[{"name":"minus","quantity":-,"price":2}]"#,
            r#"[{"name":"neg zero","quantity":-0,"price":2}]"#,
            "[]",
            "[",
            "",
            "null",
        ] {
            assert_eq!(read(json).map_err(|e| e.to_string()), serde(json), "{json}");
        }
    }
}
