//! A small HTML writer for the frame's markup that does not hydrate, server side only.
//!
//! The frame is the page Belco loads every time an agent opens a conversation. Most of it is
//! read-only: the customer's header, twenty orders and ten notes are ~40 KB of markup with
//! nothing in them the browser hydrates. Built as Leptos views they cost more CPU than the rest of
//! the page (a view tree per item, then a second walk to write it out), so the frame writes them
//! straight into one string here. What hydrates (the islands), and the document around the panel,
//! are still rendered by Leptos, but once, when the server starts, with marks where each page puts
//! its own values ([`Template`]).
//!
//! The rules that keep this safe: markup comes only from literals in this crate ([`Html::raw`]
//! takes `&'static str`) or from Leptos ([`Template`]), which escapes the values in it; every value
//! written here goes through [`Html::text`] or [`Html::attr`], which escape it for where it goes.

use leptos::tachys::view::RenderHtml;

/// Markup Leptos rendered once, with marks in it, to be written again into many pages with each
/// page's own values where the marks were: the frame's document and its islands, whose markup is
/// the same on every panel but for a few values (see `pages::frame`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template<S> {
    /// The markup between the marks, each piece with the slot of the mark that followed it
    /// (`None` for the last piece).
    pieces: Vec<(String, Option<S>)>,
}

impl<S: Copy> Template<S> {
    /// `view` rendered by Leptos, with the slot `marks[i].1` wherever the text `marks[i].0` is. A
    /// mark must be text that Leptos writes as it is wherever it stands (letters only), and that
    /// nothing else in the view contains.
    pub fn render(view: impl RenderHtml, marks: &[(&str, S)]) -> Self {
        let mut rest = view.to_html();
        let mut pieces = Vec::new();
        loop {
            let next = marks
                .iter()
                .filter_map(|&(mark, slot)| rest.find(mark).map(|at| (at, mark.len(), slot)))
                .min_by_key(|&(at, _, _)| at);
            let Some((at, len, slot)) = next else {
                pieces.push((rest, None));
                return Self { pieces };
            };
            let after = rest[at + len..].to_owned();
            rest.truncate(at);
            pieces.push((rest, Some(slot)));
            rest = after;
        }
    }

    /// This template, then `next`.
    pub fn then(mut self, next: Template<S>) -> Self {
        self.pieces.extend(next.pieces);
        self
    }

    /// The slots, in the order [`Template::write`] fills them.
    #[cfg(test)]
    pub fn slots(&self) -> impl Iterator<Item = S> + '_ {
        self.pieces.iter().filter_map(|(_, slot)| *slot)
    }

    /// Writes the markup, and `fill(html, slot)` wherever a mark was.
    pub fn write(&self, html: &mut Html, mut fill: impl FnMut(&mut Html, S)) {
        for (markup, slot) in &self.pieces {
            html.0.push_str(markup);
            if let Some(slot) = slot {
                fill(html, *slot);
            }
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
        self.escaped(text, |bytes| memchr::memchr3(b'&', b'<', b'>', bytes))
    }

    /// An attribute value inside double quotes: `&`, `<`, `>` and `"` escaped.
    pub fn attr(&mut self, value: &str) -> &mut Self {
        self.escaped(value, |bytes| {
            let quote = memchr::memchr(b'"', bytes);
            let other = memchr::memchr3(b'&', b'<', b'>', bytes);
            quote.into_iter().chain(other).min()
        })
    }

    /// A number (text or attribute: digits and `-` need no escaping).
    pub fn number(&mut self, n: i64) -> &mut Self {
        self.0.push_str(itoa::Buffer::new().format(n));
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

    pub fn finish(self) -> String {
        self.0
    }

    /// Appends `text`, replacing each special byte with its character reference; `next_special`
    /// finds the first one in a slice (with memchr: most text has none, and is copied whole). The
    /// special characters are all ASCII, so the runs between them are whole UTF-8.
    fn escaped(&mut self, text: &str, next_special: impl Fn(&[u8]) -> Option<usize>) -> &mut Self {
        let mut rest = text;
        while let Some(at) = next_special(rest.as_bytes()) {
            self.0.push_str(&rest[..at]);
            self.0.push_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                _ => "&quot;",
            });
            rest = &rest[at + 1..];
        }
        self.0.push_str(rest);
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
    fn every_special_character_is_replaced_wherever_it_stands() {
        assert_eq!(written(|h| _ = h.text("&<>")), "&amp;&lt;&gt;");
        assert_eq!(written(|h| _ = h.text("<a>\"b\"&&")), "&lt;a&gt;\"b\"&amp;&amp;");
        assert_eq!(written(|h| _ = h.attr("\"<x>\"&")), "&quot;&lt;x&gt;&quot;&amp;");
        let long = "plain text ".repeat(400);
        assert_eq!(written(|h| _ = h.text(&format!("{long}<{long}"))), format!("{long}&lt;{long}"));
    }

    #[test]
    fn text_outside_ascii_is_kept_whole() {
        assert_eq!(written(|h| _ = h.text("Zoë <3 ünïcode → 🛒")), "Zoë &lt;3 ünïcode → 🛒");
        assert_eq!(written(|h| _ = h.attr("")), "");
    }

    #[test]
    fn a_template_puts_each_value_where_its_mark_was() {
        let template = Template::render("aMbNcMd".to_owned(), &[("M", 1), ("N", 2)]);
        assert_eq!(template.slots().collect::<Vec<_>>(), [1, 2, 1]);
        let out = written(|h| template.write(h, |h, slot| _ = h.number(slot * 10).raw("|")));
        assert_eq!(out, "a10|b20|c10|d");
        // Leptos escaped the view's text when it rendered it; the values are the writer's.
        let plain = Template::render("<p>no marks</p>".to_owned(), &[("M", 1)]);
        assert_eq!(plain.slots().count(), 0);
        let second = Template::render("xMy".to_owned(), &[("M", 3)]);
        let both = plain.then(second);
        assert_eq!(written(|h| both.write(h, |h, _| _ = h.text("<v>"))), "&lt;p&gt;no marks&lt;/p&gt;x&lt;v&gt;y");
    }

    #[test]
    fn numbers_and_times() {
        assert_eq!(written(|h| _ = h.number(-1200).raw(" ").number(0)), "-1200 0");
        let out = written(|h| _ = h.time(Some("order__date"), "2024-01-03", "3 Jan 2024"));
        assert_eq!(out, "<time class=\"order__date\" datetime=\"2024-01-03\">3 Jan 2024</time>");
    }
}
