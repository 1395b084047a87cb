//! Reads a query string the way Belco sends it: Belco appends `&email=…&phoneNumber=…` to
//! whatever URL the shop pasted, so parameters come in any order, may be empty or repeated
//! (the shop may have left `email=` in its URL), and may not be percent-encoded at all.
//!
//! Rules: `%XX` is decoded, a malformed `%` is kept as is, and `+` stays a plus (emails and phone
//! numbers never contain spaces, and `+31…` is common unencoded). Empty values are ignored, so
//! Belco's appended value beats an empty one left in the shop's URL, and the same value given
//! twice is that value. A name given two or more *different* non-empty values is ambiguous and
//! reads as [`QueryError::Ambiguous`]: Belco may append an address without encoding it, and a
//! contact whose (valid) address is `x&email=victim@shop.nl` must not be read as the victim, so
//! such a link names nobody rather than either.

use std::borrow::Cow;

/// Longest query string we read; Belco's are a token and two identifiers.
pub const MAX_QUERY_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query string is longer than {MAX_QUERY_LEN} bytes")]
    TooLong,
    #[error("the value of `{0}` is not valid UTF-8 after percent-decoding")]
    NotUtf8(&'static str),
    #[error("`{0}` is given more than one different value")]
    Ambiguous(&'static str),
}

/// A query string, split on demand so a caller can read `token` before anything else.
///
/// Its `Debug` shows only the parameter names: the values are the shop token and a customer's
/// email and phone.
#[derive(Clone, Copy)]
pub struct BelcoQuery<'a> {
    raw: &'a str,
}

impl std::fmt::Debug for BelcoQuery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names =
            self.raw.split('&').filter(|pair| !pair.is_empty()).map(|pair| pair.split('=').next().unwrap_or(""));
        f.debug_struct("BelcoQuery").field("names", &names.collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

impl<'a> BelcoQuery<'a> {
    pub fn new(raw: Option<&'a str>) -> Result<Self, QueryError> {
        Self::within(raw, MAX_QUERY_LEN)
    }

    /// A query string of at most `limit` bytes. Only the token is read from one longer than
    /// [`MAX_QUERY_LEN`] (so that a call without one gets the same refusal however long it is);
    /// the caller checks [`BelcoQuery::len`] before it reads anything else.
    pub fn within(raw: Option<&'a str>, limit: usize) -> Result<Self, QueryError> {
        let raw = raw.unwrap_or("");
        if raw.len() > limit {
            return Err(QueryError::TooLong);
        }
        Ok(Self { raw })
    }

    /// The raw query string's length in bytes.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The one non-empty value of `name`, as raw decoded bytes (tokens are compared as bytes);
    /// `Ok(None)` when there is none, [`QueryError::Ambiguous`] when there are different ones.
    pub fn bytes(&self, name: &'static str) -> Result<Option<Cow<'a, [u8]>>, QueryError> {
        let mut found: Option<Cow<'a, [u8]>> = None;
        for pair in self.raw.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if value.is_empty() || !key_is(key, name) {
                continue;
            }
            let value = percent_decode(value);
            match &found {
                Some(first) if *first != value => return Err(QueryError::Ambiguous(name)),
                Some(_) => {}
                None => found = Some(value),
            }
        }
        Ok(found)
    }

    /// The one non-empty value of `name` as text (see [`BelcoQuery::bytes`]).
    pub fn text(&self, name: &'static str) -> Result<Option<Cow<'a, str>>, QueryError> {
        match self.bytes(name)? {
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

/// `%XX` decoded by the `percent-encoding` crate, which keeps a `%` that starts no escape and
/// leaves `+` alone; borrowed, without allocating, when nothing is escaped (the common case).
fn percent_decode(text: &str) -> Cow<'_, [u8]> {
    percent_encoding::percent_decode(text.as_bytes()).into()
}

/// Whether `key` decodes to `name`, compared byte by byte as it decodes: no allocation.
fn key_is(key: &str, name: &str) -> bool {
    percent_encoding::percent_decode(key.as_bytes()).eq(name.bytes())
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
    fn empty_values_are_ignored_and_a_repeated_value_is_that_value() {
        assert_eq!(text("email=&token=t&email=a@b.nl", "email").as_deref(), Some("a@b.nl"));
        assert_eq!(text("email=a@b.nl&email=", "email").as_deref(), Some("a@b.nl"));
        assert_eq!(text("email=a@b.nl&email=a@b.nl", "email").as_deref(), Some("a@b.nl"));
        assert_eq!(text("email=a%40b.nl&email=a@b.nl", "email").as_deref(), Some("a@b.nl"), "the same once decoded");
        assert_eq!(text("email=&email", "email"), None);
        assert_eq!(text("", "email"), None);
        assert_eq!(text("emailx=a@b.nl&xemail=c@d.nl", "email"), None);
    }

    #[test]
    fn two_different_values_name_nobody() {
        fn read(raw: &str, name: &'static str) -> Result<Option<String>, QueryError> {
            BelcoQuery::new(Some(raw)).unwrap().text(name).map(|v| v.map(Cow::into_owned))
        }
        // Belco appended `x&email=victim@shop.nl`, a valid address, without encoding it.
        let smuggled = "token=t&email=x&email=victim@shop.nl&phoneNumber=";
        assert_eq!(read(smuggled, "email"), Err(QueryError::Ambiguous("email")));
        assert_eq!(read(smuggled, "phoneNumber"), Ok(None), "the other names are unaffected");
        assert_eq!(read("email=x@y.nl&email=a@b.nl", "email"), Err(QueryError::Ambiguous("email")));
        assert_eq!(
            read("phoneNumber=0612345678&phoneNumber=0687654321", "phoneNumber"),
            Err(QueryError::Ambiguous("phoneNumber"))
        );
        assert_eq!(
            read("email=A@b.nl&email=a@b.nl", "email"),
            Err(QueryError::Ambiguous("email")),
            "bytes, not meaning"
        );
        assert_eq!(
            BelcoQuery::new(Some("token=a&token=b")).unwrap().bytes("token"),
            Err(QueryError::Ambiguous("token"))
        );
    }

    #[test]
    fn debug_shows_names_not_values() {
        let q = BelcoQuery::new(Some("token=s3cr3t-token&email=ann@shop.nl&phoneNumber=%2B31612345678")).unwrap();
        let shown = format!("{q:?}");
        assert!(shown.contains("token") && shown.contains("email") && shown.contains("phoneNumber"), "{shown}");
        for value in ["s3cr3t", "ann@shop.nl", "31612345678"] {
            assert!(!shown.contains(value), "{shown}");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_naming_the_param() {
        let q = BelcoQuery::new(Some("email=%FF%FE")).unwrap();
        assert_eq!(q.text("email"), Err(QueryError::NotUtf8("email")));
        assert_eq!(q.bytes("email").unwrap().as_deref(), Some(&[0xFF, 0xFE][..]));
    }

    #[test]
    fn plain_values_are_borrowed_and_names_may_be_encoded() {
        let q = BelcoQuery::new(Some("%65mail=a@b.nl&token=t%30k&phoneNumber=100%25")).unwrap();
        assert!(matches!(q.text("email"), Ok(Some(Cow::Borrowed("a@b.nl")))), "nothing escaped: no copy");
        assert!(matches!(q.text("token"), Ok(Some(Cow::Owned(ref t))) if t == "t0k"));
        assert_eq!(q.text("phoneNumber").unwrap().as_deref(), Some("100%"));
        let kept = BelcoQuery::new(Some("email=100%@x.nl")).unwrap();
        assert!(matches!(kept.text("email"), Ok(Some(Cow::Borrowed("100%@x.nl")))), "a lone % is kept, not copied");
    }

    #[test]
    fn long_queries_are_refused() {
        let long = "a".repeat(MAX_QUERY_LEN + 1);
        assert_eq!(BelcoQuery::new(Some(&long)).err(), Some(QueryError::TooLong));
    }
}
