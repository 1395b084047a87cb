//! Reads a query string the way Belco sends it: Belco appends `&email=…&phoneNumber=…` to
//! whatever URL the shop pasted, so parameters come in any order, may be empty or repeated
//! (the shop may have left `email=` in its URL), and may not be percent-encoded at all.
//!
//! Rules: `%XX` is decoded, a malformed `%` is kept as is, and `+` stays a plus (emails and phone
//! numbers never contain spaces, and `+31…` is common unencoded). When a name repeats, the last
//! non-empty value wins, so Belco's appended value beats an empty one left in the shop's URL.

use std::borrow::Cow;

/// Longest query string we read; Belco's are a token and two identifiers.
pub const MAX_QUERY_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query string is longer than {MAX_QUERY_LEN} bytes")]
    TooLong,
    #[error("the value of `{0}` is not valid UTF-8 after percent-decoding")]
    NotUtf8(&'static str),
}

/// A query string, split on demand so a caller can read `token` before anything else.
#[derive(Clone, Copy, Debug)]
pub struct BelcoQuery<'a> {
    raw: &'a str,
}

impl<'a> BelcoQuery<'a> {
    pub fn new(raw: Option<&'a str>) -> Result<Self, QueryError> {
        let raw = raw.unwrap_or("");
        if raw.len() > MAX_QUERY_LEN {
            return Err(QueryError::TooLong);
        }
        Ok(Self { raw })
    }

    /// The last non-empty value of `name`, as raw decoded bytes (tokens are compared as bytes).
    pub fn bytes(&self, name: &str) -> Option<Cow<'a, [u8]>> {
        self.raw
            .split('&')
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(key).as_ref() == name.as_bytes() && !value.is_empty()).then(|| percent_decode(value))
            })
            .next_back()
    }

    /// The last non-empty value of `name` as text.
    pub fn text(&self, name: &'static str) -> Result<Option<Cow<'a, str>>, QueryError> {
        match self.bytes(name) {
            None => Ok(None),
            Some(Cow::Borrowed(b)) => {
                std::str::from_utf8(b).map(|s| Some(Cow::Borrowed(s))).map_err(|_| QueryError::NotUtf8(name))
            }
            Some(Cow::Owned(b)) => {
                String::from_utf8(b).map(|s| Some(Cow::Owned(s))).map_err(|_| QueryError::NotUtf8(name))
            }
        }
    }
}

fn percent_decode(text: &str) -> Cow<'_, [u8]> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'%') {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str, name: &'static str) -> Option<String> {
        BelcoQuery::new(Some(raw)).unwrap().text(name).unwrap().map(Cow::into_owned)
    }

    #[test]
    fn reads_params_in_any_order() {
        let raw = "phoneNumber=0612345678&email=a@b.nl&token=t0k";
        assert_eq!(text(raw, "token").as_deref(), Some("t0k"));
        assert_eq!(text(raw, "email").as_deref(), Some("a@b.nl"));
        assert_eq!(text(raw, "phoneNumber").as_deref(), Some("0612345678"));
    }

    #[test]
    fn plus_is_a_plus_and_percent_escapes_decode() {
        assert_eq!(text("email=john+tag@x.nl", "email").as_deref(), Some("john+tag@x.nl"));
        assert_eq!(text("phoneNumber=+31612345678", "phoneNumber").as_deref(), Some("+31612345678"));
        assert_eq!(text("email=john%2Btag%40x.nl", "email").as_deref(), Some("john+tag@x.nl"));
        assert_eq!(text("email=%C3%A9lodie@x.fr", "email").as_deref(), Some("élodie@x.fr"));
        assert_eq!(text("email=100%@x.nl", "email").as_deref(), Some("100%@x.nl"));
        assert_eq!(text("email=a%2@x.nl", "email").as_deref(), Some("a%2@x.nl"));
    }

    #[test]
    fn the_last_non_empty_value_wins() {
        assert_eq!(text("email=&token=t&email=a@b.nl", "email").as_deref(), Some("a@b.nl"));
        assert_eq!(text("email=a@b.nl&email=", "email").as_deref(), Some("a@b.nl"));
        assert_eq!(text("email=x@y.nl&email=a@b.nl", "email").as_deref(), Some("a@b.nl"));
        assert_eq!(text("email=&email", "email"), None);
        assert_eq!(text("", "email"), None);
        assert_eq!(text("emailx=a@b.nl&xemail=c@d.nl", "email"), None);
    }

    #[test]
    fn invalid_utf8_is_an_error_naming_the_param() {
        let q = BelcoQuery::new(Some("email=%FF%FE")).unwrap();
        assert_eq!(q.text("email"), Err(QueryError::NotUtf8("email")));
        assert_eq!(q.bytes("email").as_deref(), Some(&[0xFF, 0xFE][..]));
    }

    #[test]
    fn long_queries_are_refused() {
        let long = "a".repeat(MAX_QUERY_LEN + 1);
        assert_eq!(BelcoQuery::new(Some(&long)).err(), Some(QueryError::TooLong));
    }
}
