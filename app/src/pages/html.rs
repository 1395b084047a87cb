//! A small HTML writer for the frame's markup that does not hydrate, server side only.
//!
//! The frame is the page Belco loads every time an agent opens a conversation. Most of it is
//! read-only: the customer's header, twenty orders and ten notes are ~40 KB of markup with
//! nothing in them the browser hydrates. Built as Leptos views they cost more CPU than the rest of
//! the page (a view tree per item, then a second walk to write it out), so the frame writes them
//! straight into one string here. What hydrates (the islands) is still rendered by Leptos, in
//! place ([`Html::view`]), and so is the document around the panel, once ([`Rendered`]).
//!
//! The rules that keep this safe: markup comes only from literals in this crate ([`Html::raw`]
//! takes `&'static str`) or from Leptos ([`Html::view`], [`Html::rendered`]), which escapes the
//! values in it; every value written here goes through [`Html::text`] or [`Html::attr`], which
//! escape it for where it goes.

use std::fmt::Write as _;

use leptos::tachys::view::{Position, RenderHtml};

/// Markup Leptos rendered once, to be written again into many pages (see [`Rendered::split`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered(String);

impl Rendered {
    /// `view` rendered by Leptos, cut at every occurrence of any of `marks` (text the view holds
    /// where each page puts something of its own): the pieces in order, each with the index in
    /// `marks` of the mark that followed it (`None` for the last piece).
    pub fn split(view: impl RenderHtml, marks: &[&str]) -> Vec<(Rendered, Option<usize>)> {
        let mut rest = view.to_html();
        let mut pieces = Vec::new();
        loop {
            let next = marks
                .iter()
                .enumerate()
                .filter_map(|(index, mark)| rest.find(mark).map(|at| (at, index, mark.len())))
                .min();
            let Some((at, index, len)) = next else {
                pieces.push((Rendered(rest), None));
                return pieces;
            };
            let after = rest.split_off(at);
            pieces.push((Rendered(rest), Some(index)));
            rest = after[len..].to_owned();
        }
    }
}

/// A growing HTML string. Every method appends.
#[derive(Debug, Default)]
pub struct Html(String);

impl Html {
    pub fn with_capacity(bytes: usize) -> Self {
        Self(String::with_capacity(bytes))
    }

    /// Markup, as written in this crate's source.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// Text content: `&`, `<` and `>` escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.escaped(text, |b| matches!(b, b'&' | b'<' | b'>'))
    }

    /// An attribute value inside double quotes: `&`, `<`, `>` and `"` escaped.
    pub fn attr(&mut self, value: &str) -> &mut Self {
        self.escaped(value, |b| matches!(b, b'&' | b'<' | b'>' | b'"'))
    }

    /// A number (text or attribute: digits and `-` need no escaping).
    pub fn number(&mut self, n: i64) -> &mut Self {
        let _ = write!(self.0, "{n}");
        self
    }

    /// `<time datetime="{iso}">{shown}</time>` with an optional class.
    pub fn time(&mut self, class: Option<&'static str>, iso: &str, shown: &str) -> &mut Self {
        self.raw("<time");
        if let Some(class) = class {
            self.raw(" class=\"").raw(class).raw("\"");
        }
        self.raw(" datetime=\"").attr(iso).raw("\">").text(shown).raw("</time>")
    }

    /// Markup Leptos rendered earlier.
    pub fn rendered(&mut self, markup: &Rendered) -> &mut Self {
        self.0.push_str(&markup.0);
        self
    }

    /// A Leptos view (an island), rendered in place as it would be in a routed page. Call it
    /// inside the page's reactive owner, which carries the hydration context.
    pub fn view(&mut self, view: impl RenderHtml) -> &mut Self {
        view.to_html_with_buf(&mut self.0, &mut Position::FirstChild, true, false, vec![]);
        self
    }

    pub fn finish(self) -> String {
        self.0
    }

    /// Appends `text`, replacing each byte `special` picks with its character reference. The
    /// special characters are all ASCII, so the runs between them are whole UTF-8.
    fn escaped(&mut self, text: &str, special: impl Fn(u8) -> bool) -> &mut Self {
        let mut start = 0;
        for (at, byte) in text.bytes().enumerate() {
            if !special(byte) {
                continue;
            }
            self.0.push_str(&text[start..at]);
            self.0.push_str(match byte {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                _ => "&quot;",
            });
            start = at + 1;
        }
        self.0.push_str(&text[start..]);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut Html)) -> String {
        let mut html = Html::default();
        f(&mut html);
        html.finish()
    }

    #[test]
    fn text_cannot_open_a_tag() {
        let out = written(|h| _ = h.text("<script>alert('x')</script> & \"quotes\" stay"));
        assert_eq!(out, "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"quotes\" stay");
    }

    #[test]
    fn an_attribute_cannot_close_its_quotes() {
        let out = written(|h| _ = h.raw("<a href=\"").attr("x\" onclick=\"evil()\" a=<b>&").raw("\">"));
        assert_eq!(out, "<a href=\"x&quot; onclick=&quot;evil()&quot; a=&lt;b&gt;&amp;\">");
    }

    #[test]
    fn text_outside_ascii_is_kept_whole() {
        assert_eq!(written(|h| _ = h.text("Zoë <3 ünïcode → 🛒")), "Zoë &lt;3 ünïcode → 🛒");
        assert_eq!(written(|h| _ = h.attr("")), "");
    }

    #[test]
    fn rendered_markup_is_cut_at_its_marks() {
        let pieces = Rendered::split("aMbNcMd".to_owned(), &["M", "N"]);
        let pieces: Vec<(&str, Option<usize>)> = pieces.iter().map(|(r, mark)| (r.0.as_str(), *mark)).collect();
        assert_eq!(pieces, [("a", Some(0)), ("b", Some(1)), ("c", Some(0)), ("d", None)]);
        let whole = Rendered::split("<p>no marks</p>".to_owned(), &["M"]);
        assert_eq!(whole, [(Rendered("&lt;p&gt;no marks&lt;/p&gt;".to_owned()), None)]);
    }

    #[test]
    fn numbers_and_times() {
        assert_eq!(written(|h| _ = h.number(-1200).raw(" ").number(0)), "-1200 0");
        let out = written(|h| _ = h.time(Some("order__date"), "2024-01-03", "3 Jan 2024"));
        assert_eq!(out, "<time class=\"order__date\" datetime=\"2024-01-03\">3 Jan 2024</time>");
    }
}
