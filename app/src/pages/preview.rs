//! `/preview`: Belco's customer card, imitated, for a shop's developer to see before deploying
//! what agents will see. The server's handler (`server/src/preview.rs`) checks the token and
//! reads the store's customers; the [`Preview`] island does the rest in the browser.
//!
//! The frame is loaded from this server's own origin and meets the checks it meets inside Belco:
//! with the preview on, the frame's `frame-ancestors` names `'self'` beside Belco's origin, and
//! its resize messages go to a parent of its own origin (`PanelSettings::preview`); nothing is
//! switched off.

use belco::store::KnownCustomer;
use leptos::prelude::*;

use crate::islands::{Pickable, Preview};
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
        text: "Open the preview with one of the shop's tokens: /preview?token=… (one of BELCO_TOKENS).",
    };
    pub const UNAVAILABLE: Self = Self::Message {
        title: "Storage is unavailable",
        text: "The preview cannot reach its storage. Try again in a moment.",
    };
}

#[derive(Debug)]
pub struct PreviewView {
    /// The token the preview was opened with: the frame's URL carries it, as Belco's does.
    pub token: String,
    /// The two URLs to paste into Belco, with the token masked.
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
    document(options, view! { <title>"belco-panel preview"</title> }, body)
}

fn ready(preview: PreviewView) -> impl IntoView {
    let PreviewView { token, frame_url, orders_url, belco_origin, customers, email, phone } = preview;
    let customers = customers
        .into_iter()
        .map(|customer| {
            let label = [customer.name.as_deref().unwrap_or(""), &customer.email, &customer.phone]
                .into_iter()
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            Pickable { label, email: customer.email, phone: customer.phone }
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
                <dl class="facts">
                    <div class="facts__item"><dt>"Custom frame URL"</dt><dd><code>{frame_url.clone()}</code></dd></div>
                    <div class="facts__item"><dt>"Custom orders URL"</dt><dd><code>{orders_url}</code></dd></div>
                    <div class="facts__item">
                        <dt>"Framed by"</dt>
                        <dd><code>{belco_origin}</code>" and, for this preview, this server's own pages"</dd>
                    </div>
                </dl>
            </header>
            <Preview token pasted_url=frame_url customers email phone/>
        </main>
    }
}
