//! The frame's markup that is the same on every panel, rendered by Leptos once, when the server
//! starts ([`FramePage`]): the document with its head and resize script, and the two islands
//! around their lists. Each response writes its own values where the marks were (`Slot`).

use std::sync::Arc;

use belco::forms::{FormSet, Scope};
use futures::{FutureExt, StreamExt};
use hydration_context::{SharedContext, SsrSharedContext};
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::*;

use crate::islands::{Forms, Notes};
use crate::pages::form_card::FormsHtml;
use crate::pages::html::{Html, Template};
use crate::pages::notes_list::{add_note_form, write_notes};
use crate::pages::submissions_list::write_submissions;
use crate::server_fns::{NoteView, SubmissionView};
use crate::shell::document;

/// The inline script that tells Belco the frame's height: once as soon as it runs (it sits at
/// the end of the body, after the stylesheet, so the server's HTML is laid out), then on every
/// change of the body's size (ResizeObserver) or of a `<details>` (the `toggle` event, which
/// does not bubble, hence the capture), and on `load` (images, fonts). One message per new
/// height: an unchanged height sends nothing.
///
/// `origin_json` is the target origin as a JSON string (never `*`).
pub fn resize_script(origin_json: &str) -> String {
    format!(
        "(function(){{var o={origin_json},l=-1;function s(){{var h=document.body.scrollHeight;\
         if(h!==l){{l=h;window.parent.postMessage({{action:'resize',height:h}},o);}}}}\
         s();if(window.ResizeObserver){{new ResizeObserver(s).observe(document.body);}}\
         document.addEventListener('toggle',s,true);window.addEventListener('load',s);}})();"
    )
}

/// `origin` as a JSON string that is also safe inside a `<script>` element.
pub fn script_string(origin: &str) -> String {
    serde_json::to_string(origin)
        .unwrap_or_else(|_| "\"\"".to_owned())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Where a response puts its own values into [`FramePage`]'s markup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// The response's nonce, on every script.
    Nonce,
    /// The panel, in the document's body.
    Panel,
    /// The capability, in an island's props.
    Capability,
    /// The notes, in the `Notes` island.
    Notes,
    /// The sent forms, in the `Forms` island.
    Submissions,
}

/// The text that stands for each slot while [`FramePage`] is rendered: letters only, so that
/// Leptos writes it as it is, in text, attributes and JSON alike.
const MARKS: [(&str, Slot); 5] = [
    ("belcopanelmarknonce", Slot::Nonce),
    ("belcopanelmarkpanel", Slot::Panel),
    ("belcopanelmarkcapability", Slot::Capability),
    ("belcopanelmarknotes", Slot::Notes),
    ("belcopanelmarksubmissions", Slot::Submissions),
];

fn mark(slot: Slot) -> &'static str {
    MARKS.iter().find(|(_, s)| *s == slot).map(|(mark, _)| *mark).unwrap_or_default()
}

/// The frame's markup that is the same on every panel, rendered by Leptos once, when the
/// server starts, with marks where each response puts its own values (see [`Slot`]): the
/// document (the head every page has, from `shell::document`, and the resize script) and the
/// two islands with everything in them but the capability and the lists. A response copies
/// the pieces and writes its values between them; it renders no Leptos view of its own.
///
/// An island's markup depends on nothing but its props and children, so the islands come out
/// exactly as Leptos renders them for a request (`tests::the_islands_are_written_as_leptos_
/// renders_them`) and hydrate as in any routed page.
#[derive(Clone, Debug)]
pub struct FramePage {
    /// The document, then the data scripts Leptos's hydration code reads (slots: nonce,
    /// panel).
    pub(super) document: Template<Slot>,
    /// The `Notes` island with its add form (slots: capability, notes).
    pub(super) notes: Template<Slot>,
    /// The `Forms` island of each scope, with its forms (slots: capability, submissions).
    pub(super) customer_forms: Template<Slot>,
    pub(super) company_forms: Template<Slot>,
}

impl FramePage {
    /// `site`: where the site's files are (`/pkg/…`); `belco_origin`: where the resize
    /// messages go; `forms`: the shop's forms.
    pub fn new(site: &LeptosOptions, belco_origin: &str, forms: &FormSet) -> Self {
        // As for a routed page: an islands-mode context, so only the islands carry hydration
        // markers; the document first (its head's script turns hydration markers off).
        let shared = Arc::new(SsrSharedContext::new_islands());
        let owner = Owner::new_root(Some(shared.clone() as Arc<dyn SharedContext + Send + Sync>));
        owner.with(|| {
            let nonce = Nonce::from_value(mark(Slot::Nonce));
            provide_context(nonce.clone());
            let resize = resize_script(&script_string(belco_origin));
            let body = view! {
                {mark(Slot::Panel)}
                <script nonce=nonce.clone()>{resize}</script>
            };
            let title = view! { <title>"belco-panel"</title> };
            let document = Template::render(document(site.clone(), title, body), &MARKS);
            let cards = FormsHtml::render(forms);
            let (capability, notes, submissions) = (mark(Slot::Capability), mark(Slot::Notes), mark(Slot::Submissions));
            let notes = Template::render(notes_island(capability, notes.into()), &MARKS);
            let forms = |scope: Scope| {
                let island = forms_island(capability, cards.of(scope), list_title(scope), submissions.into());
                Template::render(island, &MARKS)
            };
            let (customer_forms, company_forms) = (forms(Scope::Customer), forms(Scope::Company));
            // The data scripts: the same for every panel, since nothing in the islands is
            // read asynchronously (so they are ready at once).
            let data = match shared.pending_data().map(|data| data.collect::<Vec<String>>().now_or_never()) {
                Some(Some(chunks)) => chunks,
                Some(None) => {
                    tracing::error!("the frame's hydration data was not ready at startup: its islands may not hydrate");
                    Vec::new()
                }
                None => Vec::new(),
            };
            let document = data.into_iter().fold(document, |document, chunk| {
                document.then(Template::render(view! { <script nonce=nonce.clone()>{chunk}</script> }, &MARKS))
            });
            Self { document, notes, customer_forms, company_forms }
        })
    }
}

/// The `Notes` island: the list (`notes`, HTML) and the form that adds a note.
fn notes_island(capability: &str, notes: String) -> impl IntoView + use<> {
    view! {
        <Notes capability=capability.to_owned()>
            <div class="notes__items" inner_html=notes></div>
            {add_note_form()}
        </Notes>
    }
}

/// What the list of sent forms is called on each panel.
fn list_title(scope: Scope) -> &'static str {
    match scope {
        Scope::Customer => "Sent forms",
        Scope::Company => "Recent submissions",
    }
}

/// The `Forms` island: the scope's forms (`cards`), then the sent ones (`submissions`, HTML).
fn forms_island(
    capability: &str,
    cards: Arc<str>,
    list_title: &'static str,
    submissions: String,
) -> impl IntoView + use<> {
    view! {
        <Forms capability=capability.to_owned()>
            <section class="forms" aria-labelledby="forms-title">
                <h2 id="forms-title">"Forms"</h2>
                <div class="forms__list" inner_html=cards></div>
            </section>
            <section class="submissions" aria-labelledby="submissions-title">
                <h2 id="submissions-title">{list_title}</h2>
                <div class="submissions__items" inner_html=submissions></div>
            </section>
        </Forms>
    }
}

/// The capability where the island's props have it: a JSON string in an attribute.
fn write_capability(html: &mut Html, capability: &str) {
    let json = serde_json::to_string(capability).unwrap_or_default();
    html.attr(json.get(1..json.len().saturating_sub(1)).unwrap_or_default());
}

/// One of [`FramePage`]'s islands, with this panel's values.
pub(super) fn write_island(
    html: &mut Html,
    island: &Template<Slot>,
    capability: &str,
    notes: &[NoteView],
    submissions: &[SubmissionView],
) {
    island.write(html, |html, slot| match slot {
        Slot::Capability => write_capability(html, capability),
        Slot::Notes => write_notes(html, notes, false),
        Slot::Submissions => write_submissions(html, submissions),
        Slot::Nonce | Slot::Panel => {}
    });
}

#[cfg(test)]
mod tests {
    use belco::forms::Answer;

    use super::*;
    use crate::pages::notes_list::notes_html;
    use crate::pages::submissions_list::submissions_html;

    #[test]
    fn the_origin_cannot_break_out_of_the_script() {
        assert_eq!(script_string("https://app.belco.io"), "\"https://app.belco.io\"");
        let hostile = script_string("</script><script>alert(1)</script>");
        assert!(!hostile.contains('<') && !hostile.contains('>'), "{hostile}");
    }

    #[test]
    fn the_resize_script_never_targets_every_origin() {
        let script = resize_script(&script_string("https://app.belco.io"));
        assert!(script.contains("var o=\"https://app.belco.io\""), "{script}");
        assert!(!script.contains("'*'") && !script.contains("\"*\""));
    }

    fn page(forms: &FormSet) -> FramePage {
        let site = LeptosOptions::builder().output_name("belco-panel").build();
        FramePage::new(&site, "https://app.belco.io", forms)
    }

    fn shipped_forms() -> FormSet {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../forms.toml");
        FormSet::load(std::path::Path::new(path)).expect("the shipped forms.toml")
    }

    #[test]
    fn the_document_has_one_place_for_the_panel_and_the_nonce_on_every_script() {
        let page = page(&FormSet::default());
        assert_eq!(page.document.slots().filter(|slot| *slot == Slot::Panel).count(), 1, "{:?}", page.document);
        let mut html = Html::default();
        page.document.write(&mut html, |html, slot| match slot {
            Slot::Nonce => _ = html.attr("n0nce"),
            Slot::Panel => _ = html.raw("<main>panel</main>"),
            other => panic!("{other:?} in the document"),
        });
        let html = html.finish();
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains("</head><body><main>panel</main><script nonce=\"n0nce\">"), "{html}");
        assert!(html.contains("var o=\"https://app.belco.io\""), "{html}");
        let scripts = html.matches("<script").count();
        assert!(scripts >= 3, "hydration, resize and data scripts: {html}");
        assert_eq!(html.matches("<script nonce=\"n0nce\">").count() + 1, scripts, "{html}");
        assert_eq!(html.matches("<script type=\"module\" nonce=\"n0nce\">").count(), 1, "{html}");
        assert!(!html.contains("belcopanelmark"), "{html}");
    }

    /// What the islands hold, written into their templates, is what Leptos renders for the
    /// same values: the same bytes, so they hydrate the same.
    #[test]
    fn the_islands_are_written_as_leptos_renders_them() {
        let forms = shipped_forms();
        let page = page(&forms);
        let notes = [NoteView {
            id: "n1".into(),
            author: "Sam <ops>".into(),
            body: "Call back \"today\" & check".into(),
            written: "3 Jan 2024, 14:05 UTC".into(),
            written_iso: "2024-01-03T14:05:00Z".into(),
            edited: None,
        }];
        let submissions = [SubmissionView {
            id: "s1".into(),
            form_title: "Return request".into(),
            author: "Kim".into(),
            sent: "4 Jan 2024, 09:00 UTC".into(),
            sent_iso: "2024-01-04T09:00:00Z".into(),
            answers: vec![Answer { name: "why".into(), label: "Why?".into(), value: "Too <small>".into() }],
        }];
        // A capability as the signer writes them, and one with every character JSON escapes.
        for capability in ["v1.eyJzIjoiYyJ9.LO-n8rkAT2wOjaSbWykb_mZDRdqkp", "a\"b\\c</leptos-island>&"] {
            let cards = FormsHtml::render(&forms);
            // Components run when the view is built, so it is built inside the owner.
            let leptos = |view: &dyn Fn() -> AnyView| {
                let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new_islands())));
                owner.with(|| view().to_html())
            };
            let written = |island: &Template<Slot>, notes: &[NoteView], submissions: &[SubmissionView]| {
                let mut html = Html::default();
                write_island(&mut html, island, capability, notes, submissions);
                html.finish()
            };
            for notes in [&notes[..], &[]] {
                let expected = leptos(&|| notes_island(capability, notes_html(notes, false)).into_any());
                assert_eq!(written(&page.notes, notes, &[]), expected);
                assert!(expected.starts_with("<leptos-island data-component=\"Notes_"), "{expected}");
            }
            for (scope, island) in [(Scope::Customer, &page.customer_forms), (Scope::Company, &page.company_forms)] {
                for submissions in [&submissions[..], &[]] {
                    let expected = leptos(&|| {
                        let list = submissions_html(submissions);
                        forms_island(capability, cards.of(scope), list_title(scope), list).into_any()
                    });
                    assert_eq!(written(island, &[], submissions), expected);
                    let form = match scope {
                        Scope::Customer => "Return request",
                        Scope::Company => "Report a problem to the warehouse",
                    };
                    assert!(expected.contains(form), "{expected}");
                }
            }
        }
    }
}
