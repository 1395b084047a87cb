//! The preview's one interactive part: picks a customer, loads the frame in Belco's sidebar with
//! the URL Belco would build, logs the resize messages the frame posts (and sizes the iframe by
//! them, as Belco does), shows the orders API's answer as Belco lists it, and the inspector's
//! last calls.
//!
//! What it shows of the orders and the calls is server HTML (`GET /preview/orders`,
//! `GET /preview/calls`, rendered by `components::belco_orders` and `components::calls`), put in
//! place as the notes' list is: the wasm carries no markup of theirs.

use leptos::ev::{Event, MouseEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlSelectElement;

/// A customer the picker offers: Belco would append these, as the shop stored them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pickable {
    pub label: String,
    pub email: String,
    pub phone: String,
}

/// The picker's values that are no customer of the store (those are their index).
const COMPANY: &str = "company";
const SOMEONE_ELSE: &str = "other";

/// One line of the resize log.
#[derive(Clone, Debug, PartialEq)]
struct Logged {
    /// Milliseconds since the frame's URL was set.
    after_ms: u32,
    text: String,
    kind: &'static str,
}

#[island]
pub fn Preview(
    /// One of the shop's tokens: the page was opened with it, and the frame and the preview's own
    /// calls need it.
    token: String,
    /// What Belco loads, as it is pasted, with the token masked (for people to read).
    pasted_url: String,
    /// The store's customers, newest orders first.
    customers: Vec<Pickable>,
    /// The first pick.
    email: String,
    phone: String,
) -> impl IntoView {
    let first = match customers.iter().position(|c| c.email.trim() == email.trim() && c.phone.trim() == phone.trim()) {
        Some(n) => n.to_string(),
        None if email.trim().is_empty() && phone.trim().is_empty() => COMPANY.to_owned(),
        None => SOMEONE_ELSE.to_owned(),
    };
    let options = customers
        .iter()
        .enumerate()
        .map(|(n, customer)| {
            let value = n.to_string();
            let selected = value == first;
            view! { <option value=value selected=selected>{customer.label.clone()}</option> }
        })
        .collect_view();
    let customers = StoredValue::new(customers);
    let token = StoredValue::new(token);
    let pasted_url = StoredValue::new(pasted_url);
    let hydrated = RwSignal::new(false);
    let loaded_url = RwSignal::new(String::new());
    let log = RwSignal::new(Vec::<Logged>::new());
    let height = RwSignal::new(None::<i64>);
    let opened_at = StoredValue::new(0.0f64);
    // Whether the inspector was asked again since the frame's URL was set.
    let calls_fresh = StoredValue::new(true);
    let frame = NodeRef::<html::Iframe>::new();
    let orders = NodeRef::<html::Div>::new();
    let calls = NodeRef::<html::Div>::new();
    let select = NodeRef::<html::Select>::new();
    let email_input = NodeRef::<html::Input>::new();
    let phone_input = NodeRef::<html::Input>::new();

    let refresh_calls = move || {
        let url = format!("/preview/calls?token={}", token.get_value());
        spawn_local(async move { swap_in(calls, fetch_text(&url).await) });
    };

    // Loads the frame as Belco does: the pasted URL, then `&email=…&phoneNumber=…` as they are,
    // not encoded; and asks the orders API the same.
    let open = move |email: String, phone: String| {
        let query = belco_query(&token.get_value(), email.trim(), phone.trim());
        let Some(iframe) = frame.get_untracked() else { return };
        opened_at.set_value(js_sys::Date::now());
        calls_fresh.set_value(false);
        height.set(None);
        let who = match (email.trim(), phone.trim()) {
            ("", "") => "the company panel".to_owned(),
            (email, "") => email.to_owned(),
            ("", phone) => phone.to_owned(),
            (email, phone) => format!("{email}, {phone}"),
        };
        log.update(|log| log.push(Logged { after_ms: 0, text: format!("Loading {who}"), kind: "load" }));
        loaded_url.set(format!("{}{}", pasted_url.get_value(), shown_suffix(&email, &phone)));
        iframe.set_src(&format!("/frame?{query}"));
        let url = format!("/preview/orders?{query}");
        spawn_local(async move { swap_in(orders, fetch_text(&url).await) });
    };

    let on_message = move |ev: web_sys::MessageEvent| {
        let Some(iframe) = frame.get_untracked() else { return };
        // Only the frame's own messages: another window's are none of the preview's business.
        let from_frame = match (ev.source(), iframe.content_window()) {
            (Some(source), Some(window)) => JsValue::from(source) == JsValue::from(window),
            _ => false,
        };
        if !from_frame {
            return;
        }
        let after_ms = (js_sys::Date::now() - opened_at.get_value()).max(0.0) as u32;
        let own_origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let data = ev.data();
        let field = |name: &str| js_sys::Reflect::get(&data, &JsValue::from_str(name)).ok();
        let action = field("action").and_then(|v| v.as_string());
        let reported = field("height").and_then(|v| v.as_f64());
        let (text, kind) = match (action.as_deref(), reported) {
            _ if ev.origin() != own_origin => (format!("ignored: sent from {}", ev.origin()), "ignored"),
            (Some("resize"), Some(h)) if h.is_finite() && h >= 0.0 && h.fract() == 0.0 => {
                let h = h as i64;
                let _ = iframe.set_attribute("height", &h.to_string());
                height.set(Some(h));
                (format!("resize → {h} px"), "resize")
            }
            (Some("resize"), _) => ("ignored: a resize without a whole, positive height".to_owned(), "ignored"),
            (Some(other), _) => (format!("ignored: action {other:?}, which Belco does not know"), "ignored"),
            (None, _) => ("ignored: a message without an action".to_owned(), "ignored"),
        };
        log.update(|log| log.push(Logged { after_ms, text, kind }));
        // The frame has been served by now, so the inspector lists its load.
        if !calls_fresh.get_value() {
            calls_fresh.set_value(true);
            refresh_calls();
        }
    };

    // Once hydrated: listen first, then load the first pick, so no message goes unlogged.
    Effect::new(move |_| {
        let handle = window_event_listener(leptos::ev::message, on_message);
        on_cleanup(move || handle.remove());
        let (email, phone) = (
            email_input.get_untracked().map(|i| i.value()).unwrap_or_default(),
            phone_input.get_untracked().map(|i| i.value()).unwrap_or_default(),
        );
        open(email, phone);
        refresh_calls();
        hydrated.set(true);
    });

    let on_pick = move |_: Event| {
        let Some(select) = select.get_untracked() else { return };
        let select: &HtmlSelectElement = &select;
        let value = select.value();
        let (Some(email_input), Some(phone_input)) = (email_input.get_untracked(), phone_input.get_untracked()) else {
            return;
        };
        if value == SOMEONE_ELSE {
            let _ = email_input.focus();
            return;
        }
        let picked = value.parse::<usize>().ok().and_then(|n| customers.with_value(|all| all.get(n).cloned()));
        let (email, phone) = picked.map(|c| (c.email, c.phone)).unwrap_or_default();
        email_input.set_value(&email);
        phone_input.set_value(&phone);
        open(email, phone);
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let email = email_input.get_untracked().map(|i| i.value()).unwrap_or_default();
        let phone = phone_input.get_untracked().map(|i| i.value()).unwrap_or_default();
        if let Some(select) = select.get_untracked() {
            select.set_value(if email.trim().is_empty() && phone.trim().is_empty() { COMPANY } else { SOMEONE_ELSE });
        }
        open(email, phone);
    };

    let on_clear_log = move |_: MouseEvent| log.set(Vec::new());
    let summary = move || {
        let resizes = log.with(|log| log.iter().filter(|l| l.kind == "resize").count());
        match height.get() {
            Some(h) => format!("{resizes} resize messages in all; the frame is now {h} px tall."),
            None => format!("{resizes} resize messages in all; none yet since the last load."),
        }
    };

    view! {
        <div class="preview__workspace">
            <form class="preview-picker" on:submit=on_submit>
                <label class="field">
                    <span class="field__label">"Customer"</span>
                    <select class="field__input" name="customer" node_ref=select on:change=on_pick>
                        <option value=COMPANY selected=first == COMPANY>"Company panel (no email or phone number)"</option>
                        {options}
                        <option value=SOMEONE_ELSE selected=first == SOMEONE_ELSE>"Someone else (type below)"</option>
                    </select>
                </label>
                <label class="field">
                    <span class="field__label">"email"</span>
                    <input class="field__input" name="email" autocomplete="off" value=email node_ref=email_input/>
                </label>
                <label class="field">
                    <span class="field__label">"phoneNumber"</span>
                    <input class="field__input" name="phoneNumber" autocomplete="off" value=phone node_ref=phone_input/>
                </label>
                <button class="button" type="submit" disabled=move || !hydrated.get()>"Open"</button>
            </form>
            <p class="preview__loaded">
                "Belco loads " <code class="preview__url">{move || loaded_url.get()}</code>
            </p>
            <div class="preview__stage">
                <aside class="belco-sidebar" aria-label="Belco's customer card">
                    <section class="belco-card" aria-labelledby="belco-frame-title">
                        <h2 class="belco-card__title" id="belco-frame-title">"Custom frame"</h2>
                        <iframe class="belco-card__frame" title="Custom frame" height="150" node_ref=frame></iframe>
                    </section>
                    <section class="belco-card" aria-labelledby="belco-orders-title">
                        <h2 class="belco-card__title" id="belco-orders-title">"Orders"</h2>
                        <div class="belco-orders" aria-live="polite" node_ref=orders></div>
                    </section>
                </aside>
                <section class="resize-log" aria-labelledby="resize-log-title">
                    <h2 id="resize-log-title">"Resize messages"</h2>
                    <p class="resize-log__summary" role="status">{summary}</p>
                    <ol class="resize-log__list">
                        {move || {
                            log.get()
                                .into_iter()
                                .map(|entry| {
                                    view! {
                                        <li class=format!("resize-log__entry resize-log__entry--{}", entry.kind)>
                                            <span class="resize-log__time">{format!("+{} ms", entry.after_ms)}</span>
                                            " "
                                            {entry.text}
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ol>
                    <button class="button button--quiet" type="button" on:click=on_clear_log disabled=move || !hydrated.get()>
                        "Clear the log"
                    </button>
                </section>
            </div>
            <section class="calls" aria-labelledby="calls-title">
                <h2 id="calls-title">"Belco's last calls (the inspector)"</h2>
                <button class="button button--quiet" type="button" on:click=move |_| refresh_calls() disabled=move || !hydrated.get()>
                    "Refresh"
                </button>
                <div class="calls__list" node_ref=calls></div>
            </section>
        </div>
    }
}

/// The query Belco appends to the pasted URL: the token was pasted; the identifiers are added
/// as they are (not encoded), both named when either is known, neither for the company panel.
fn belco_query(token: &str, email: &str, phone: &str) -> String {
    if email.is_empty() && phone.is_empty() {
        format!("token={token}")
    } else {
        format!("token={token}&email={email}&phoneNumber={phone}")
    }
}

/// What [`belco_query`] appends to the pasted URL, for people to read.
fn shown_suffix(email: &str, phone: &str) -> String {
    let (email, phone) = (email.trim(), phone.trim());
    if email.is_empty() && phone.is_empty() { String::new() } else { format!("&email={email}&phoneNumber={phone}") }
}

/// `GET url`, same origin: its text, or why there is none.
async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| "the server did not answer".to_owned())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "no response".to_owned())?;
    let text = match response.text() {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    };
    match (response.ok(), text) {
        (true, Some(text)) => Ok(text),
        (false, _) => Err(format!("the server answered {}", response.status())),
        (true, None) => Err("the answer could not be read".to_owned()),
    }
}

/// Puts the server's HTML into `target`, or a sentence saying why there is none.
fn swap_in(target: NodeRef<html::Div>, fetched: Result<String, String>) {
    let Some(target) = target.get_untracked() else { return };
    match fetched {
        Ok(html) => target.set_inner_html(&html),
        Err(why) => target.set_text_content(Some(&format!("Could not load this: {why}."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belco_appends_the_identifiers_as_they_are() {
        assert_eq!(belco_query("t0k", "", ""), "token=t0k");
        assert_eq!(belco_query("t0k", "a+b@x.nl", ""), "token=t0k&email=a+b@x.nl&phoneNumber=");
        assert_eq!(belco_query("t0k", "", "+31 6 12"), "token=t0k&email=&phoneNumber=+31 6 12");
    }
}
