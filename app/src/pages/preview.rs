//! `/preview`: Belco's customer card, imitated, for a shop's developer to see before deploying
//! what agents will see. The server's handler (`server/src/routes/preview.rs`) checks the token
//! and reads the store's customers; the [`Preview`] island does the rest in the browser.
//!
//! The frame is loaded from this server's own origin and meets the checks it meets inside Belco:
//! with the preview on, the frame's `frame-ancestors` names `'self'` beside Belco's origin, and
//! its resize messages go to a parent of its own origin (`PanelSettings::preview`); nothing is
//! switched off.

use belco::store::KnownCustomer;
use leptos::prelude::*;

use crate::islands::{Preview, preview_dom as dom};
use crate::shell::document;

/// What the preview shows, read before anything is rendered.
#[derive(Debug)]
pub enum PreviewContent {
    /// A refusal: a title and a sentence.
    Message {
        title: &'static str,
        text: &'static str,
    },
    Ready(Box<PreviewView>),
}

impl PreviewContent {
    pub const UNAUTHORIZED: Self = Self::Message {
        title: "Not authorized",
        text: "Open the preview with its own token: /preview?preview_token=… (BELCO_PREVIEW_TOKEN; \
               belco-panel demo prints the URL). A shop token does not open it.",
    };
    pub const UNAVAILABLE: Self = Self::Message {
        title: "Storage is unavailable",
        text: "The preview cannot reach its storage. Try again in a moment.",
    };
}

#[derive(Debug)]
pub struct PreviewView {
    /// The preview's token, which it was opened with: its frame and its parts are asked with it.
    pub token: String,
    /// The two URLs to paste into Belco, with a placeholder for the shop token.
    pub frame_url: String,
    pub orders_url: String,
    pub belco_origin: String,
    /// The picker's customers, newest orders first.
    pub customers: Vec<KnownCustomer>,
    /// The first pick: the link's `email` and `phoneNumber`, else the newest customer's.
    pub email: String,
    pub phone: String,
}

#[component]
pub fn PreviewPage(options: LeptosOptions, content: PreviewContent) -> impl IntoView {
    let body = match content {
        PreviewContent::Message { title, text } => leptos::either::Either::Left(view! {
            <main class="page">
                <h1>{title}</h1>
                <p>{text}</p>
            </main>
        }),
        PreviewContent::Ready(view) => leptos::either::Either::Right(ready(*view)),
    };
    document(options, "en", view! { <title>"belco-panel preview"</title> }, body)
}

fn ready(preview: PreviewView) -> impl IntoView {
    let PreviewView { token, frame_url, orders_url, belco_origin, customers, email, phone } = preview;
    let picked = |c: &KnownCustomer| c.email.trim() == email.trim() && c.phone.trim() == phone.trim();
    let nobody = email.trim().is_empty() && phone.trim().is_empty();
    let known = customers.iter().any(picked);
    let options = customers
        .iter()
        .enumerate()
        .map(|(n, customer)| {
            let label = [customer.name.as_deref().unwrap_or(""), &customer.email, &customer.phone]
                .into_iter()
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <option value=n.to_string() data-email=customer.email.clone() data-phone=customer.phone.clone() selected=picked(customer)>
                    {label}
                </option>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <main class="preview">
            <header class="preview__header">
                <h1>"Belco preview"</h1>
                <p>
                    "Belco's customer card, imitated: the sidebar is as wide as Belco's, and loads this server's "
                    "Custom Frame with the URL Belco builds (the pasted URL, then "
                    <code>"&email=…&phoneNumber=…"</code>
                    " as they are, not encoded). Its orders block lists what the Custom Orders API answers."
                </p>
                <dl class="preview__urls">
                    <dt>"Custom frame URL"</dt>
                    <dd><code>{frame_url.clone()}</code></dd>
                    <dt>"Custom orders URL"</dt>
                    <dd><code>{orders_url}</code></dd>
                    <dt>"Framed by"</dt>
                    <dd><code>{belco_origin}</code>" (and, when this preview loads it with its own token, this page)"</dd>
                </dl>
            </header>
            <Preview token pasted_url=frame_url>
                <form class="preview-picker">
                    // Labels apart from their controls: a control inside its label would lend the label
                    // its value (the picked customer, the typed email) as part of its name.
                    <div class="field">
                        <label class="field__label" for="preview-customer">"Customer"</label>
                        <select class="field__input" id="preview-customer" name="customer">
                            <option value=dom::COMPANY selected=nobody>"Company panel (no email or phone number)"</option>
                            {options}
                            <option value=dom::SOMEONE_ELSE selected=!nobody && !known>"Someone else (type below)"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label class="field__label" for="preview-email">"email"</label>
                        <input class="field__input" id="preview-email" name="email" autocomplete="off" value=email/>
                    </div>
                    <div class="field">
                        <label class="field__label" for="preview-phone">"phoneNumber"</label>
                        <input class="field__input" id="preview-phone" name="phoneNumber" autocomplete="off" value=phone/>
                    </div>
                    <button class="button" type="submit" disabled>"Open"</button>
                </form>
                <p class="preview__loaded">"Belco loads " <code class="preview__url"></code></p>
                <div class="preview__stage">
                    <aside class="belco-sidebar" aria-label="Belco's customer card">
                        <section class="belco-card" aria-labelledby="belco-frame-title">
                            <h2 class="belco-card__title" id="belco-frame-title">"Custom frame"</h2>
                            <iframe class="belco-card__frame" title="Custom frame" height="150"></iframe>
                        </section>
                        <section class="belco-card" aria-labelledby="belco-orders-title">
                            <h2 class="belco-card__title" id="belco-orders-title">"Orders"</h2>
                            <div class="belco-orders" aria-live="polite"></div>
                        </section>
                    </aside>
                    <section class="resize-log" aria-labelledby="resize-log-title">
                        <h2 id="resize-log-title">"Resize messages"</h2>
                        <p class="resize-log__summary" role="status">"No resize message yet."</p>
                        <ol class="resize-log__list"></ol>
                        <button class="button button--quiet" type="button" data-preview=dom::CLEAR_LOG disabled>
                            "Clear the log"
                        </button>
                    </section>
                </div>
                <section class="calls" aria-labelledby="calls-title">
                    <h2 id="calls-title">"Belco's last calls (the inspector)"</h2>
                    <button class="button button--quiet" type="button" data-preview=dom::REFRESH_CALLS disabled>
                        "Refresh"
                    </button>
                    <div class="calls__list"></div>
                </section>
            </Preview>
        </main>
    }
}
