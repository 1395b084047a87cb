//! `/frame`: Belco's Custom Frame, the page Belco loads in an iframe on its customer card, for
//! one customer (`email`/`phoneNumber` given) or for the whole company (neither given).
//!
//! The server's handler (`server/src/routes/frame.rs`) checks the token and reads the link, then
//! asks [`FramePanel::read`] for what the page shows, and renders [`FramePage`] with it. The whole
//! panel, data included, is in the first HTML: no spinner before the wasm loads. The orders
//! expand with `<details>`, which needs no wasm, and the resize messages come from a tiny inline
//! script; only the notes and the forms are islands. They receive a capability signed for this
//! panel's customer (or for the company panel), which every server function they call checks.

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
use crate::islands::{Forms, Notes};
use crate::settings::{NOTES_LIMIT, PanelSettings, SUBMISSIONS_LIMIT};
use crate::shell::document;

/// What the frame shows, read before anything is rendered.
#[derive(Debug)]
pub enum FramePanel {
    /// A refusal or a problem with the link: a title and a sentence, nothing else.
    Message {
        title: &'static str,
        text: &'static str,
    },
    /// Storage did not answer.
    Unavailable,
    Company {
        stored: i64,
        capability: Option<String>,
        submissions: Vec<SubmissionView>,
    },
    Customer(Box<CustomerPanel>),
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
    pub const UNAUTHORIZED: Self = Self::Message {
        title: "Not authorized",
        text: "This link has no valid token. Check the Custom Frame URL in Belco's settings.",
    };
    /// A link that gives the email or the phone number two different values: it may carry an
    /// address Belco did not encode (`x&email=victim@…`), so it names nobody, shows no data and
    /// signs no capability.
    pub const AMBIGUOUS: Self = Self::Message {
        title: "More than one customer",
        text: "This link names more than one customer, so nothing is shown. Open the conversation again from \
               Belco; if this keeps happening, check the contact's email address and phone number.",
    };
    /// A link whose email or phone number is not text.
    pub const UNREADABLE: Self =
        Self::Message { title: "Unreadable link", text: "The email address or phone number in this link is not text." };

    /// The panel for the customer Belco identified (each identifier trimmed; an empty one is
    /// absent), or the company's when neither is given. `key` is the identifiers normalized
    /// (`customer_key`), which the caller has worked out already; `None` when neither can be read.
    pub async fn read(
        settings: &PanelSettings,
        store: &Store,
        email: Option<&str>,
        phone: Option<&str>,
        key: Option<&CustomerKey>,
    ) -> Result<Self, StoreError> {
        let given = |value: Option<&str>| value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        match (given(email), given(phone)) {
            (None, None) => read_company(settings, store).await,
            (email, phone) => read_customer(settings, store, email, phone, key.cloned().unwrap_or_default()).await,
        }
    }
}

async fn read_company(settings: &PanelSettings, store: &Store) -> Result<FramePanel, StoreError> {
    let (stored, submissions) = futures::try_join!(
        settings.stored_orders.count(store),
        store.submissions(RecordOwner::Company, SUBMISSIONS_LIMIT)
    )?;
    Ok(FramePanel::Company {
        stored,
        capability: capability(settings, &Subject::Company),
        submissions: submissions.into_iter().map(SubmissionView::from).collect(),
    })
}

async fn read_customer(
    settings: &PanelSettings,
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
        notes: notes.into_iter().map(NoteView::from).collect(),
        submissions: submissions.into_iter().map(SubmissionView::from).collect(),
        unreadable,
        capability,
    })))
}

/// A capability for `subject`, if this server signs any.
fn capability(settings: &PanelSettings, subject: &Subject) -> Option<String> {
    settings.signer.as_ref().map(|signer| signer.issue(subject, now_millis()))
}

/// The whole frame document: the head every page has, the panel, and the resize script.
/// `preview`: the preview loaded it (with its own token), so a parent of this server's origin
/// may receive the resize messages.
#[component]
pub fn FramePage(
    options: LeptosOptions,
    settings: Arc<PanelSettings>,
    panel: FramePanel,
    #[prop(optional)] preview: bool,
) -> impl IntoView {
    let resize = resize_script(&script_string(&settings.belco_origin), preview);
    let body = view! {
        <Panel settings panel/>
        <script nonce=leptos::nonce::use_nonce()>{resize}</script>
    };
    document(options, view! { <title>"belco-panel"</title> }, body)
}

#[component]
fn Panel(settings: Arc<PanelSettings>, panel: FramePanel) -> impl IntoView {
    match panel {
        FramePanel::Message { title, text } => EitherOf4::A(view! {
            <main class="frame frame--message">
                <h1>{title}</h1>
                <p>{text}</p>
            </main>
        }),
        FramePanel::Unavailable => EitherOf4::B(view! {
            <main class="frame">
                <p class="frame__error" role="alert">"The panel cannot reach its storage. Try again in a moment."</p>
            </main>
        }),
        FramePanel::Company { stored, capability, submissions } => EitherOf4::C(view! {
            <main class="frame">
                <header class="panel-header">
                    <h1>"Company"</h1>
                    <p class="panel-header__note">"Belco sent no email address or phone number, so this is the shop-wide view."</p>
                </header>
                <dl class="facts">{fact("Orders stored", stored)}</dl>
                {match capability {
                    Some(capability) => Either::Left(forms_island(&settings, Scope::Company, capability, submissions)),
                    None => Either::Right(interactive_off()),
                }}
            </main>
        }),
        FramePanel::Customer(customer) => {
            EitherOf4::D(view! { <main class="frame">{customer_panel(&settings, *customer)}</main> })
        }
    }
}

fn customer_panel(settings: &PanelSettings, customer: CustomerPanel) -> impl IntoView + use<> {
    let CustomerPanel { email, phone, summary, orders, notes, submissions, unreadable, capability } = customer;
    let total = summary.orders;
    let interactive = match (unreadable, capability) {
        (true, _) => EitherOf3::A(view! {
            <p class="frame__notice">"Notes and forms need an email address or phone number this panel can read."</p>
        }),
        (false, Some(capability)) => EitherOf3::B(view! {
            <Notes capability=capability.clone()>
                <NotesList notes ready=false/>
            </Notes>
            {forms_island(settings, Scope::Customer, capability, submissions)}
        }),
        (false, None) => EitherOf3::C(interactive_off()),
    };
    view! {
        <CustomerHeader email phone summary/>
        <OrderList orders total/>
        {interactive}
    }
}

/// Shown where the notes and forms would be when the server has no signing key.
fn interactive_off() -> impl IntoView {
    view! { <p class="frame__notice">"Notes and forms are off: this server has no BELCO_SIGNING_KEY."</p> }
}

/// The `Forms` island of `scope`: its forms, then the ones sent.
fn forms_island(
    settings: &PanelSettings,
    scope: Scope,
    capability: String,
    submissions: Vec<SubmissionView>,
) -> impl IntoView + use<> {
    let cards = settings.form_cards.of(scope);
    let list_title = match scope {
        Scope::Customer => "Sent forms",
        Scope::Company => "Recent submissions",
    };
    view! {
        <Forms capability>
            <section class="forms" aria-labelledby="forms-title">
                <h2 id="forms-title">"Forms"</h2>
                <div class="forms__list" inner_html=cards></div>
            </section>
            <section class="submissions" aria-labelledby="submissions-title">
                <h2 id="submissions-title">{list_title}</h2>
                <div class=LIST>
                    <SubmissionsList submissions/>
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
