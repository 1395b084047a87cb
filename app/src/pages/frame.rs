//! `/frame`: Belco's Custom Frame, the page Belco loads in an iframe on its customer card, for
//! one customer (`email`/`phoneNumber` given) or for the whole company (neither given).
//!
//! The server's handler (`server/src/routes/frame.rs`) checks the token and reads the link, then
//! asks [`FramePanel::read`] for what the page shows, and renders [`FramePage`] with it. The whole
//! panel, data included, is in the first HTML: no spinner before the wasm loads. The orders
//! expand with `<details>`, which needs no wasm, and the resize messages come from a tiny inline
//! script; only the notes and the forms are islands. They receive a capability signed for this
//! panel's customer (or for the company panel), which every server function they call checks.
//!
//! The page speaks the language the server chose for this load ([`L10n`]: `lang=`, the browser's
//! `Accept-Language`, `BELCO_LANGUAGE`) and shows every time in the shop's zone. The agent's own
//! choice, made with the switch at the top and kept in the browser, is applied by a tiny script
//! in the head ([`language_script`]) that loads the frame again with `lang=` before anything
//! paints when the choice differs from what was rendered.

use std::sync::Arc;

use belco::capability::Subject;
use belco::forms::Scope;
use belco::identity::CustomerKey;
use belco::store::{
    CustomerRecords, CustomerSummary, PanelOrder, RecordLimits, RecordOwner, Store, StoreError, now_millis,
};
use leptos::either::{Either, EitherOf3, EitherOf4};
use leptos::prelude::*;

use crate::components::customer::{CustomerHeader, OrderList, fact};
use crate::components::notes::{NoteView, NotesList};
use crate::components::submissions::{SubmissionView, SubmissionsList, dom::LIST};
use crate::i18n::{L10n, Locales, Words};
use crate::islands::{Forms, FormsWords, Notes, NotesWords};
use crate::settings::{NOTES_LIMIT, PanelSettings, SUBMISSIONS_LIMIT};
use crate::shell::document;

/// What the frame shows, read before anything is rendered.
#[derive(Debug)]
pub enum FramePanel {
    /// A refusal or a problem with the link: a title and a sentence, nothing else.
    Refused(LinkRefusal),
    /// Storage did not answer.
    Unavailable,
    Company {
        stored: i64,
        capability: Option<String>,
        submissions: Vec<SubmissionView>,
    },
    Customer(Box<CustomerPanel>),
}

/// Why a link shows nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRefusal {
    /// No valid token.
    Unauthorized,
    /// The email or the phone number given two different values.
    Ambiguous,
    /// An email or a phone number that is not text.
    Unreadable,
}

impl LinkRefusal {
    fn words(self, words: &Words) -> (&'static str, &'static str) {
        match self {
            Self::Unauthorized => (words.unauthorized_title, words.unauthorized_text),
            Self::Ambiguous => (words.ambiguous_title, words.ambiguous_text),
            Self::Unreadable => (words.unreadable_title, words.unreadable_text),
        }
    }
}

/// A customer's panel, as read.
#[derive(Debug)]
pub struct CustomerPanel {
    email: Option<String>,
    phone: Option<String>,
    summary: CustomerSummary,
    orders: Vec<PanelOrder>,
    notes: Vec<NoteView>,
    submissions: Vec<SubmissionView>,
    /// Neither identifier could be read: the panel names nobody, so no notes or forms.
    unreadable: bool,
    capability: Option<String>,
}

impl FramePanel {
    /// How many orders a customer's panel shows; `None` for any other panel.
    pub fn orders_shown(&self) -> Option<usize> {
        match self {
            Self::Customer(panel) => Some(panel.orders.len()),
            _ => None,
        }
    }

    /// A link with no valid token.
    pub const UNAUTHORIZED: Self = Self::Refused(LinkRefusal::Unauthorized);
    /// A link that gives the email or the phone number two different values: it may carry an
    /// address Belco did not encode (`x&email=victim@…`), so it names nobody, shows no data and
    /// signs no capability.
    pub const AMBIGUOUS: Self = Self::Refused(LinkRefusal::Ambiguous);
    /// A link whose email or phone number is not text.
    pub const UNREADABLE: Self = Self::Refused(LinkRefusal::Unreadable);

    /// The panel for the customer Belco identified (each identifier trimmed; an empty one is
    /// absent), or the company's when neither is given. `key` is the identifiers normalized
    /// (`customer_key`), which the caller has worked out already; `None` when neither can be read.
    /// Its times are written in `l10n`'s language and zone.
    pub async fn read(
        settings: &PanelSettings,
        l10n: &L10n,
        store: &Store,
        email: Option<&str>,
        phone: Option<&str>,
        key: Option<&CustomerKey>,
    ) -> Result<Self, StoreError> {
        let given = |value: Option<&str>| value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        match (given(email), given(phone)) {
            (None, None) => read_company(settings, l10n, store).await,
            (email, phone) => {
                read_customer(settings, l10n, store, email, phone, key.cloned().unwrap_or_default()).await
            }
        }
    }
}

async fn read_company(settings: &PanelSettings, l10n: &L10n, store: &Store) -> Result<FramePanel, StoreError> {
    let (stored, submissions) = futures::try_join!(
        settings.stored_orders.count(store),
        store.submissions(RecordOwner::Company, SUBMISSIONS_LIMIT)
    )?;
    Ok(FramePanel::Company {
        stored,
        capability: capability(settings, &Subject::Company),
        submissions: submissions
            .into_iter()
            .map(|submission| SubmissionView::new(submission, l10n, &settings.forms))
            .collect(),
    })
}

async fn read_customer(
    settings: &PanelSettings,
    l10n: &L10n,
    store: &Store,
    email: Option<String>,
    phone: Option<String>,
    key: CustomerKey,
) -> Result<FramePanel, StoreError> {
    let limits = RecordLimits { orders: settings.orders_limit, notes: NOTES_LIMIT, submissions: SUBMISSIONS_LIMIT };
    let CustomerRecords { summary, orders, notes, submissions } = store.customer_records(&key, limits).await?;
    // A key with neither part (an email and a phone that cannot be read) names nobody.
    let unreadable = key.is_empty();
    let capability = if unreadable { None } else { capability(settings, &Subject::Customer(key)) };
    Ok(FramePanel::Customer(Box::new(CustomerPanel {
        email,
        phone,
        summary,
        orders,
        notes: notes.into_iter().map(|note| NoteView::new(note, l10n)).collect(),
        submissions: submissions
            .into_iter()
            .map(|submission| SubmissionView::new(submission, l10n, &settings.forms))
            .collect(),
        unreadable,
        capability,
    })))
}

/// A capability for `subject`, if this server signs any.
fn capability(settings: &PanelSettings, subject: &Subject) -> Option<String> {
    settings.signer.as_ref().map(|signer| signer.issue(subject, now_millis()))
}

/// The whole frame document: the head every page has (with the language script), the language
/// switch, the panel, and the resize script. `preview`: the preview loaded it (with its own
/// token), so a parent of this server's origin may receive the resize messages.
#[component]
pub fn FramePage(
    options: LeptosOptions,
    settings: Arc<PanelSettings>,
    l10n: L10n,
    panel: FramePanel,
    #[prop(optional)] preview: bool,
) -> impl IntoView {
    let resize = resize_script(&script_string(&settings.belco_origin), preview);
    let lang = l10n.code();
    let language = language_script(&settings.locales, lang);
    let head = view! {
        <script nonce=leptos::nonce::use_nonce()>{language}</script>
        <title>"belco-panel"</title>
    };
    let body = view! {
        <LanguageSwitch locales=settings.locales.clone() l10n=l10n.clone()/>
        <Panel settings panel l10n/>
        <script nonce=leptos::nonce::use_nonce()>{resize}</script>
    };
    document(options, lang, head, body)
}

/// The agent's choice of language: one button per language, the current one pressed. The
/// language script in the head handles a click (no wasm needed): it keeps the choice in this
/// browser and loads the frame again in that language.
#[component]
fn LanguageSwitch(locales: Locales, l10n: L10n) -> impl IntoView {
    let current = l10n.code();
    let buttons = locales
        .all()
        .iter()
        .map(|locale| {
            let code = locale.code();
            view! {
                <button
                    type="button"
                    class="language-switch__option"
                    data-lang=code
                    lang=code
                    title=locale.name
                    aria-pressed=(code == current).to_string()
                >
                    {code.to_uppercase()}
                </button>
            }
        })
        .collect::<Vec<_>>();
    view! { <nav class="language-switch" aria-label=l10n.words().language>{buttons}</nav> }
}

/// The key under which the browser keeps the agent's language (localStorage of the frame's
/// origin: Belco's iframe is third-party, so no cookies).
pub const LANGUAGE_KEY: &str = "belco-panel.language";

/// The head's script for the agent's own choice of language. When the browser keeps a choice
/// that the panel speaks and that differs from `rendered`, it loads the frame again at once with
/// that `lang=` (every other `lang=` of the URL removed, the rest of the query kept byte for
/// byte), before anything paints: the choice beats the URL's `lang=`, the browser's language and
/// the default. It does not reload when the URL already asks for that language alone (the server
/// could not honour it: no loop). A click on a switch button keeps the choice and loads the frame
/// in it. Storage may be blocked in a third-party frame: then the switch still works for this
/// load, and nothing is remembered.
pub fn language_script(locales: &Locales, rendered: &str) -> String {
    let codes: Vec<&str> = locales.all().iter().map(|locale| locale.code()).collect();
    let codes = script_string(&codes.join(","));
    let rendered = script_string(rendered);
    let key = script_string(LANGUAGE_KEY);
    format!(
        "(function(){{var r={rendered},c={codes}.split(','),k={key},s=null;\
         try{{s=localStorage.getItem(k);}}catch(e){{}}\
         function q(){{return location.search.replace(/^\\?/,'').split('&').filter(function(p){{return p!=='';}});}}\
         function go(l){{var p=q().filter(function(p){{return p.split('=')[0]!=='lang';}});p.push('lang='+l);\
         location.replace(location.pathname+'?'+p.join('&')+location.hash);}}\
         if(s&&s!==r&&c.indexOf(s)>=0){{var o=q().filter(function(p){{return p.split('=')[0]==='lang';}});\
         if(!(o.length===1&&o[0]==='lang='+s)){{go(s);}}}}\
         document.addEventListener('click',function(e){{var b=e.target&&e.target.closest?e.target.closest('[data-lang]'):null;\
         if(!b){{return;}}var l=b.getAttribute('data-lang');if(c.indexOf(l)<0){{return;}}\
         try{{localStorage.setItem(k,l);}}catch(x){{}}if(l!==r){{go(l);}}}});}})();"
    )
}

#[component]
fn Panel(settings: Arc<PanelSettings>, panel: FramePanel, l10n: L10n) -> impl IntoView {
    let words = l10n.words();
    match panel {
        FramePanel::Refused(refusal) => {
            let (title, text) = refusal.words(words);
            EitherOf4::A(view! {
                <main class="frame frame--message">
                    <h1>{title}</h1>
                    <p>{text}</p>
                </main>
            })
        }
        FramePanel::Unavailable => EitherOf4::B(view! {
            <main class="frame">
                <p class="frame__error" role="alert">{words.storage_down}</p>
            </main>
        }),
        FramePanel::Company { stored, capability, submissions } => EitherOf4::C(view! {
            <main class="frame">
                <header class="panel-header">
                    <h1>{words.company}</h1>
                    <p class="panel-header__note">{words.company_note}</p>
                </header>
                <dl class="facts">{fact(words.orders_stored, stored)}</dl>
                {match capability {
                    Some(capability) => {
                        Either::Left(forms_island(&settings, &l10n, Scope::Company, capability, submissions))
                    }
                    None => Either::Right(interactive_off(words)),
                }}
            </main>
        }),
        FramePanel::Customer(customer) => {
            EitherOf4::D(view! { <main class="frame">{customer_panel(&settings, &l10n, *customer)}</main> })
        }
    }
}

fn customer_panel(settings: &PanelSettings, l10n: &L10n, customer: CustomerPanel) -> impl IntoView + use<> {
    let CustomerPanel { email, phone, summary, orders, notes, submissions, unreadable, capability } = customer;
    let total = summary.orders;
    let words = l10n.words();
    let interactive = match (unreadable, capability) {
        (true, _) => EitherOf3::A(view! { <p class="frame__notice">{words.needs_identifier}</p> }),
        (false, Some(capability)) => EitherOf3::B(view! {
            <Notes capability=capability.clone() language=l10n.code().to_owned() words=NotesWords::new(words)>
                <NotesList notes ready=false words/>
            </Notes>
            {forms_island(settings, l10n, Scope::Customer, capability, submissions)}
        }),
        (false, None) => EitherOf3::C(interactive_off(words)),
    };
    view! {
        <CustomerHeader email phone summary l10n=l10n.clone()/>
        <OrderList orders total l10n=l10n.clone()/>
        {interactive}
    }
}

/// Shown where the notes and forms would be when the server has no signing key.
fn interactive_off(words: &'static Words) -> impl IntoView + use<> {
    view! { <p class="frame__notice">{words.interactive_off}</p> }
}

/// The `Forms` island of `scope`: its forms, then the ones sent.
fn forms_island(
    settings: &PanelSettings,
    l10n: &L10n,
    scope: Scope,
    capability: String,
    submissions: Vec<SubmissionView>,
) -> impl IntoView + use<> {
    let words = l10n.words();
    let cards = settings.form_cards.of(scope, l10n.code());
    let list_title = match scope {
        Scope::Customer => words.sent_forms,
        Scope::Company => words.recent_submissions,
    };
    view! {
        <Forms capability language=l10n.code().to_owned() words=FormsWords::new(words)>
            <section class="forms" aria-labelledby="forms-title">
                <h2 id="forms-title">{words.forms}</h2>
                <div class="forms__list" inner_html=cards></div>
            </section>
            <section class="submissions" aria-labelledby="submissions-title">
                <h2 id="submissions-title">{list_title}</h2>
                <div class=LIST>
                    <SubmissionsList submissions words/>
                </div>
            </section>
        </Forms>
    }
}

/// The inline script that tells Belco the frame's height: once as soon as it runs (it sits at the
/// end of the body, after the stylesheet, so the server's HTML is laid out), then on every change
/// of the body's size (ResizeObserver) or of a `<details>` (the `toggle` event, which does not
/// bubble, hence the capture), and on `load` (images, fonts). One message per new height: an
/// unchanged height sends nothing.
///
/// `origin_json` is the target origin as a JSON string (never `*`). With `preview`, a parent of
/// this server's own origin (the preview page) gets the messages instead; the check reads the
/// parent's origin, which only a same-origin parent lets it read, so Belco's stays the target
/// everywhere else.
pub fn resize_script(origin_json: &str, preview: bool) -> String {
    let own_parent = if preview {
        "try{if(window.parent!==window&&window.parent.location.origin===location.origin){o=location.origin;}}catch(e){}"
    } else {
        ""
    };
    format!(
        "(function(){{var o={origin_json},l=-1;{own_parent}function s(){{var h=document.body.scrollHeight;\
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_cannot_break_out_of_the_script() {
        assert_eq!(script_string("https://app.belco.io"), "\"https://app.belco.io\"");
        let hostile = script_string("</script><script>alert(1)</script>");
        assert!(!hostile.contains('<') && !hostile.contains('>'), "{hostile}");
    }

    #[test]
    fn the_resize_script_never_targets_every_origin() {
        for preview in [false, true] {
            let script = resize_script(&script_string("https://app.belco.io"), preview);
            assert!(script.contains("var o=\"https://app.belco.io\""), "{script}");
            assert!(!script.contains("'*'") && !script.contains("\"*\""));
            assert_eq!(script.contains("location.origin"), preview, "{script}");
        }
    }
}
