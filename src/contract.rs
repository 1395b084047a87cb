//! Belco's Custom Orders contract: the order shape Belco reads, and the same shape coming in
//! from the shop (import file, push API), with the extras Belco allows (`email`, `phoneNumber`)
//! and one of ours (`customerName`, shown in the panel, not sent to Belco).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::money::{self, Currency, MoneyError};
use crate::time::{format_instant, parse_instant};

/// An order as the shop sends it. Numbers that are money stay raw text until we know the
/// currency, so `10.00` is read exactly.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderIn {
    pub id: IdText,
    #[serde(default)]
    pub note: Option<String>,
    pub number: Option<IdText>,
    pub date: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub status: String,
    pub currency: String,
    #[serde(default)]
    pub products: Vec<ProductIn>,
    /// In the currency's units, with at most its digits (`10.00` EUR, `1000` JPY).
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub total: Box<RawValue>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub customer_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductIn {
    pub name: String,
    pub quantity: i64,
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub price: Box<RawValue>,
}

/// Shops use string or integer ids; both are kept as text.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum IdText {
    Text(String),
    Integer(i64),
}

impl IdText {
    pub fn into_string(self) -> String {
        match self {
            IdText::Text(s) => s,
            IdText::Integer(n) => n.to_string(),
        }
    }
}

/// A validated order, money in minor units, instants in milliseconds since the epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub number: String,
    pub note: String,
    pub date: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub status: String,
    pub currency: Currency,
    pub products: Vec<Product>,
    pub total: i64,
    pub url: String,
    /// As the shop wrote them; matching uses the normalized forms kept beside them in storage.
    pub email: String,
    pub phone_number: String,
    pub customer_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub name: String,
    pub quantity: i64,
    pub price: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("`id` is empty")]
    EmptyId,
    #[error("`{field}` is not a date: {value:?}")]
    Date { field: &'static str, value: String },
    #[error("`date` is missing (give `date` or `createdAt`)")]
    NoDate,
    #[error("`status` is empty")]
    EmptyStatus,
    #[error("`{field}`: {source}")]
    Money { field: String, source: MoneyError },
    #[error("`products[{0}].quantity` is negative")]
    NegativeQuantity(usize),
    #[error("the order has neither `email` nor `phoneNumber`, so no customer could ever find it")]
    NoCustomer,
    #[error("`url` must be an http(s) URL, got {0:?}")]
    Url(String),
    #[error("`{field}` holds the control character U+{:04X}; {}", u32::from(*.character), control_rule(*.multiline))]
    Control { field: String, character: char, multiline: bool },
}

fn control_rule(multiline: bool) -> &'static str {
    if multiline {
        "a note may hold tabs and line breaks, but no other control characters"
    } else {
        "this field must be one line of text without control characters"
    }
}

/// The characters a `note` may hold besides printable text: agents read notes as paragraphs.
const NOTE_CONTROLS: [char; 3] = ['\t', '\n', '\r'];

/// Refuses control characters (C0, DEL, C1: PostgreSQL cannot store NUL at all, and the others
/// are invisible in the panel) except those in `allowed`, naming the field.
pub fn check_text(field: &str, value: &str, allowed: &[char]) -> Result<(), OrderError> {
    match value.chars().find(|c| c.is_control() && !allowed.contains(c)) {
        None => Ok(()),
        Some(character) => {
            Err(OrderError::Control { field: field.to_owned(), character, multiline: !allowed.is_empty() })
        }
    }
}

impl OrderIn {
    /// Checks one order and turns it into the stored form.
    pub fn validate(self) -> Result<Order, OrderError> {
        let id = self.id.into_string().trim().to_owned();
        if id.is_empty() {
            return Err(OrderError::EmptyId);
        }
        check_text("id", &id, &[])?;
        let instant = |field: &'static str, value: Option<String>| -> Result<Option<i64>, OrderError> {
            match value.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => {
                    parse_instant(text).map(Some).ok_or_else(|| OrderError::Date { field, value: text.to_owned() })
                }
            }
        };
        let date = instant("date", self.date)?;
        let created_at = instant("createdAt", self.created_at)?;
        let updated_at = instant("updatedAt", self.updated_at)?;
        let date = date.or(created_at).ok_or(OrderError::NoDate)?;
        let created_at = created_at.unwrap_or(date);
        let updated_at = updated_at.unwrap_or(created_at);

        let status = self.status.trim().to_owned();
        if status.is_empty() {
            return Err(OrderError::EmptyStatus);
        }
        check_text("status", &status, &[])?;
        let currency =
            Currency::parse(&self.currency).map_err(|source| OrderError::Money { field: "currency".into(), source })?;
        let total = money::parse_minor(self.total.get(), currency)
            .map_err(|source| OrderError::Money { field: "total".into(), source })?;
        let products = self
            .products
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                if p.quantity < 0 {
                    return Err(OrderError::NegativeQuantity(i));
                }
                check_text(&format!("products[{i}].name"), &p.name, &[])?;
                let price = money::parse_minor(p.price.get(), currency)
                    .map_err(|source| OrderError::Money { field: format!("products[{i}].price"), source })?;
                Ok(Product { name: p.name, quantity: p.quantity, price })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let url = self.url.unwrap_or_default().trim().to_owned();
        let is_web_link = url.starts_with("https://") || url.starts_with("http://");
        if !url.is_empty() && !is_web_link {
            // The panel links to it; anything else (javascript:, data:) must never become a link.
            return Err(OrderError::Url(url));
        }
        let email = self.email.unwrap_or_default().trim().to_owned();
        let phone_number = self.phone_number.unwrap_or_default().trim().to_owned();
        if email.is_empty() && phone_number.is_empty() {
            return Err(OrderError::NoCustomer);
        }
        let number = self.number.map(IdText::into_string).unwrap_or_else(|| id.clone());
        let note = self.note.unwrap_or_default();
        let customer_name = self.customer_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        for (field, value) in [("number", &number), ("url", &url), ("email", &email), ("phoneNumber", &phone_number)] {
            check_text(field, value, &[])?;
        }
        check_text("customerName", customer_name.as_deref().unwrap_or_default(), &[])?;
        check_text("note", &note, &NOTE_CONTROLS)?;
        Ok(Order {
            number,
            id,
            note,
            date,
            created_at,
            updated_at,
            status,
            currency,
            products,
            total,
            url,
            email,
            phone_number,
            customer_name,
        })
    }
}

impl Order {
    /// The order exactly as Belco reads it, keys in the documented order, money with the
    /// currency's digits (`10.00`), dates RFC 3339 in UTC ([`BelcoOrder`]). Rendered once when
    /// the order is stored, so answering Belco is a lookup and a concatenation.
    pub fn to_belco_json(&self) -> String {
        // Text, integers and the digits `Money` writes always serialize: this cannot fail.
        serde_json::to_string(&BelcoOrder::of(self)).unwrap_or_else(|_| String::from("{}"))
    }
}

/// An order in the shape of Belco's Custom Orders answer, field for field as its documentation
/// lists them (serde writes the fields in this order). Dates are RFC 3339 in UTC.
#[derive(Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BelcoOrder<'a> {
    id: &'a str,
    note: &'a str,
    number: &'a str,
    date: String,
    created_at: String,
    updated_at: String,
    status: &'a str,
    currency: &'a str,
    products: Vec<BelcoProduct<'a>>,
    /// With exactly the currency's digits (`10.00` EUR, `1000` JPY).
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    total: Money,
    url: &'a str,
    email: &'a str,
    phone_number: &'a str,
}

#[derive(Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BelcoProduct<'a> {
    name: &'a str,
    quantity: i64,
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    price: Money,
}

/// The orders API's answer, `{"orders":[…]}`, newest first: the envelope [`orders_response`]
/// writes around orders stored already rendered (a test holds the two to the same bytes).
#[derive(Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrdersResponse<'a> {
    pub orders: Vec<BelcoOrder<'a>>,
}

impl<'a> BelcoOrder<'a> {
    fn of(order: &'a Order) -> Self {
        let money = |minor| Money { minor, currency: order.currency };
        BelcoOrder {
            id: &order.id,
            note: &order.note,
            number: &order.number,
            date: format_instant(order.date),
            created_at: format_instant(order.created_at),
            updated_at: format_instant(order.updated_at),
            status: &order.status,
            currency: order.currency.code(),
            products: order
                .products
                .iter()
                .map(|p| BelcoProduct { name: &p.name, quantity: p.quantity, price: money(p.price) })
                .collect(),
            total: money(order.total),
            url: &order.url,
            email: &order.email,
            phone_number: &order.phone_number,
        }
    }
}

/// An amount as a JSON number with exactly the currency's digits (`10.00`, `1000`, `1.234`),
/// which a float would not keep.
struct Money {
    minor: i64,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let number =
            RawValue::from_string(money::format_minor(self.minor, self.currency)).map_err(serde::ser::Error::custom)?;
        number.serialize(serializer)
    }
}

/// `{"orders":[…]}` around orders already rendered by [`Order::to_belco_json`].
pub fn orders_response<'a>(orders: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("{\"orders\":[");
    for (i, order) in orders.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(order);
    }
    out.push_str("]}");
    out
}

/// Whether `body` has Belco's Custom Orders shape (its documentation, section 3):
/// `{"orders":[…]}`, each order with its fields and types. Answers how many orders there were,
/// or the first problem in a sentence. The doctor checks a deployment's answer with it and the
/// preview the answer it shows; what this server writes is [`orders_response`]'s.
pub fn orders_shape(body: &str) -> Result<usize, String> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let orders =
        value.get("orders").and_then(serde_json::Value::as_array).ok_or("the answer has no \"orders\" list")?;
    for (i, order) in orders.iter().enumerate() {
        let problem = |what: &str| format!("orders[{i}]: {what}");
        let order = order.as_object().ok_or_else(|| problem("not an object"))?;
        for field in ["id", "note", "number", "date", "createdAt", "updatedAt", "status", "currency", "url"] {
            if !order.get(field).is_some_and(serde_json::Value::is_string) {
                return Err(problem(&format!("\"{field}\" is missing or not text")));
            }
        }
        if !order.get("total").is_some_and(serde_json::Value::is_number) {
            return Err(problem("\"total\" is missing or not a number"));
        }
        let products = order
            .get("products")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| problem("\"products\" is not a list"))?;
        for (j, product) in products.iter().enumerate() {
            let ok = product.get("name").is_some_and(serde_json::Value::is_string)
                && product.get("quantity").is_some_and(|q| q.is_i64() || q.is_u64())
                && product.get("price").is_some_and(serde_json::Value::is_number);
            if !ok {
                return Err(problem(&format!("products[{j}] lacks a text name, a whole quantity or a numeric price")));
            }
        }
    }
    Ok(orders.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_orders_shape_is_belcos() {
        assert_eq!(orders_shape(r#"{"orders":[]}"#), Ok(0));
        let spec = r#"{"orders":[{"id":"1234","note":"Note","number":"1234","date":"2020-01-01T00:00Z",
            "createdAt":"2020-01-01T00:00Z","updatedAt":"2020-01-01T00:00Z","status":"processing","currency":"EUR",
            "products":[{"name":"Product X","quantity":1,"price":10.00}],"total":10.00,"url":"https://shop.nl/order/1234"}]}"#;
        assert_eq!(orders_shape(spec), Ok(1));
        assert!(orders_shape(&spec.replace(r#""total":10.00"#, r#""total":"10.00""#)).unwrap_err().contains("total"));
        assert!(
            orders_shape(&spec.replace(r#""quantity":1"#, r#""quantity":1.5"#)).unwrap_err().contains("products[0]")
        );
        assert!(orders_shape(r#"{"order":[]}"#).is_err());
        assert!(orders_shape("<html>").unwrap_err().contains("not JSON"));
    }

    /// The example order from Belco's documentation, with the two identifiers it allows.
    pub const SPEC_ORDER: &str = r#"{
        "id": "1234", "note": "Note", "number": "1234",
        "date": "2020-01-01T00:00Z", "createdAt": "2020-01-01T00:00Z", "updatedAt": "2020-01-01T00:00Z",
        "status": "processing", "currency": "EUR",
        "products": [{"name": "Product X", "quantity": 1, "price": 10.00}],
        "total": 10.00, "url": "https://shop.nl/order/1234",
        "email": "john@example.com", "phoneNumber": "+31612345678"
    }"#;

    fn order(json: &str) -> Result<Order, OrderError> {
        serde_json::from_str::<OrderIn>(json).unwrap().validate()
    }

    #[test]
    fn the_spec_order_round_trips_byte_for_byte_where_it_matters() {
        let wire = order(SPEC_ORDER).unwrap().to_belco_json();
        assert_eq!(
            wire,
            concat!(
                r#"{"id":"1234","note":"Note","number":"1234","date":"2020-01-01T00:00:00Z","#,
                r#""createdAt":"2020-01-01T00:00:00Z","updatedAt":"2020-01-01T00:00:00Z","#,
                r#""status":"processing","currency":"EUR","products":[{"name":"Product X","#,
                r#""quantity":1,"price":10.00}],"total":10.00,"url":"https://shop.nl/order/1234","#,
                r#""email":"john@example.com","phoneNumber":"+31612345678"}"#
            )
        );
        let parsed: serde_json::Value = serde_json::from_str(&wire).unwrap();
        assert_eq!(parsed["total"], serde_json::json!(10.0));
    }

    /// The answer is concatenated from stored JSON; the typed envelope the OpenAPI document
    /// describes must write the same bytes.
    #[test]
    fn the_answer_is_the_envelope_the_schema_describes() {
        let (eur, jpy) = (
            order(SPEC_ORDER).unwrap(),
            order(&SPEC_ORDER.replace("\"EUR\"", "\"JPY\"").replace("10.00", "1000")).unwrap(),
        );
        let stored = [eur.to_belco_json(), jpy.to_belco_json()];
        let written = orders_response(stored.iter().map(String::as_str));
        let typed = OrdersResponse { orders: vec![BelcoOrder::of(&eur), BelcoOrder::of(&jpy)] };
        assert_eq!(written, serde_json::to_string(&typed).unwrap());
        assert_eq!(
            orders_response(std::iter::empty()),
            serde_json::to_string(&OrdersResponse { orders: vec![] }).unwrap()
        );
    }

    #[test]
    fn zero_decimal_currencies_print_no_decimals() {
        let json = SPEC_ORDER.replace("\"EUR\"", "\"JPY\"").replace("10.00", "1000");
        let wire = order(&json).unwrap().to_belco_json();
        assert!(wire.contains(r#""price":1000}"#) && wire.contains(r#""total":1000,"#), "{wire}");
    }

    #[test]
    fn text_is_escaped() {
        let json = SPEC_ORDER.replace(r#""note": "Note""#, r#""note": "say \"hi\"\n</script>""#);
        let wire = order(&json).unwrap().to_belco_json();
        let parsed: serde_json::Value = serde_json::from_str(&wire).unwrap();
        assert_eq!(parsed["note"], "say \"hi\"\n</script>");
    }

    #[test]
    fn integer_ids_and_missing_optional_fields_are_accepted() {
        let o = order(
            r#"{"id": 77, "date": "2021-05-01", "status": "paid", "currency": "eur",
                          "total": 5, "email": "a@b.nl"}"#,
        )
        .unwrap();
        assert_eq!((o.id.as_str(), o.number.as_str(), o.total), ("77", "77", 500));
        assert_eq!((o.created_at, o.updated_at), (o.date, o.date));
    }

    #[test]
    fn bad_orders_say_what_is_wrong() {
        let cases = [
            (SPEC_ORDER.replace(r#""id": "1234""#, r#""id": " ""#), "`id` is empty"),
            (SPEC_ORDER.replace("\"total\": 10.00", "\"total\": 10.001"), "`total`"),
            (SPEC_ORDER.replace("\"price\": 10.00", "\"price\": 1.005"), "`products[0].price`"),
            (SPEC_ORDER.replace("\"EUR\"", "\"EURO\""), "`currency`"),
            (SPEC_ORDER.replace(r#""date": "2020-01-01T00:00Z""#, r#""date": "soon""#), "`date`"),
            (SPEC_ORDER.replace("https://shop.nl", "javascript:alert(1)//"), "`url`"),
            (SPEC_ORDER.replace("john@example.com", "").replace("+31612345678", ""), "neither"),
        ];
        for (json, expected) in cases {
            let err = order(&json).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} should mention {expected:?}");
        }
    }

    #[test]
    fn control_characters_are_refused_naming_the_field_but_a_note_may_have_lines() {
        let note = order(&SPEC_ORDER.replace(r#""note": "Note""#, r#""note": "line 1\r\n\tline 2""#)).unwrap();
        assert_eq!(note.note, "line 1\r\n\tline 2");
        let cases = [
            (r#""note": "Note""#, r#""note": "a\u0000b""#, "`note` holds the control character U+0000"),
            (r#""note": "Note""#, r#""note": "bell\u0007""#, "U+0007"),
            (r#""note": "Note""#, r#""note": "c1 \u0085""#, "U+0085"),
            (r#""id": "1234""#, r#""id": "12\u00004""#, "`id` holds"),
            (r#""number": "1234""#, r#""number": "12\n34""#, "`number` holds the control character U+000A"),
            (r#""status": "processing""#, r#""status": "pro\tcessing""#, "`status`"),
            (r#""name": "Product X""#, r#""name": "X\u007f""#, "`products[0].name` holds the control character U+007F"),
            ("john@example.com", r"john\u0000@example.com", "`email`"),
            ("+31612345678", r"+316\u001b12345678", "`phoneNumber`"),
            ("https://shop.nl/order/1234", r"https://shop.nl/\norder", "`url`"),
        ];
        for (from, to, expected) in cases {
            let json = SPEC_ORDER.replace(from, to);
            assert_ne!(json, SPEC_ORDER, "{from} is in the order");
            let err = order(&json).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} should mention {expected:?}");
        }
        let named = SPEC_ORDER.replace(r#""status""#, r#""customerName": "Ann\u0000", "status""#);
        assert!(order(&named).unwrap_err().to_string().contains("`customerName`"));
    }

    #[test]
    fn response_wraps_rendered_orders() {
        assert_eq!(orders_response([]), r#"{"orders":[]}"#);
        assert_eq!(orders_response([r#"{"id":"1"}"#, r#"{"id":"2"}"#]), r#"{"orders":[{"id":"1"},{"id":"2"}]}"#);
    }
}
