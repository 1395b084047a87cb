//! The preview's one interactive part: picks a customer, loads the frame in Belco's sidebar with
//! the URL Belco would build, logs the resize messages the frame posts (and sizes the iframe by
//! them, as Belco does), and puts in the orders API's answer as Belco lists it and the
//! inspector's last calls.
//!
//! Everything it shows is the page's server HTML, its children (`pages::preview`), which it
//! finds by the names in [`dom`]; the orders block and the calls table are server HTML too
//! (`GET /preview/orders`, `GET /preview/calls`), put in place as the notes' list is. So the
//! wasm, which every frame load downloads, carries none of the preview's markup.

use leptos::ev::{Event, MouseEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlIFrameElement, HtmlInputElement, HtmlSelectElement};

use super::{all, show};

/// The DOM names (selectors, attributes, option values) the page's markup and the island share.
pub mod dom {
    /// The picker and its fields; a customer's option carries the identifiers as the shop
    /// stored them.
    pub const SELECT: &str = ".preview-picker select";
    pub const EMAIL_INPUT: &str = ".preview-picker input[name=email]";
    pub const PHONE_INPUT: &str = ".preview-picker input[name=phoneNumber]";
    pub const EMAIL: &str = "data-email";
    pub const PHONE: &str = "data-phone";
    /// The picker's values that are no customer of the store.
    pub const COMPANY: &str = "company";
    pub const SOMEONE_ELSE: &str = "other";
    /// Where the island writes what Belco loads, and what it puts in.
    pub const LOADED_URL: &str = ".preview__url";
    pub const FRAME: &str = ".belco-card__frame";
    pub const ORDERS: &str = ".belco-orders";
    pub const LOG: &str = ".resize-log__list";
    pub const LOG_SUMMARY: &str = ".resize-log__summary";
    pub const CALLS: &str = ".calls__list";
    /// A button's `data-preview` says what it does.
    pub const ACTION: &str = "data-preview";
    pub const CLEAR_LOG: &str = "clear-log";
    pub const REFRESH_CALLS: &str = "refresh-calls";
}

#[island]
pub fn Preview(
    /// The preview's own token (`BELCO_PREVIEW_TOKEN`): the page was opened with it, and the
    /// frame and the preview's own calls are asked with it.
    token: String,
    /// What Belco loads, as it is pasted, with the shop token masked (for people to read).
    pasted_url: String,
    children: Children,
) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    let state = StoredValue::new(State { token, pasted_url, opened_at: 0.0, calls_fresh: true, resizes: 0 });

    let refresh_calls = move || {
        let Some(root) = root.get_untracked() else { return };
        let url = format!("/preview/calls?preview_token={}", state.with_value(|s| s.token.clone()));
        spawn_local(async move { swap_in(&root, dom::CALLS, fetch_text(&url).await) });
    };

    // Loads the frame as Belco does, and asks the orders API the same.
    let open = move |email: String, phone: String| {
        let Some(root) = root.get_untracked() else { return };
        let Some(iframe) = find::<HtmlIFrameElement>(&root, dom::FRAME) else { return };
        let (email, phone) = (email.trim().to_owned(), phone.trim().to_owned());
        let query = state.with_value(|s| belco_query(&s.token, &email, &phone));
        state.update_value(|s| {
            s.opened_at = js_sys::Date::now();
            s.calls_fresh = false;
        });
        let who = match (email.as_str(), phone.as_str()) {
            ("", "") => "the company panel".to_owned(),
            (email, "") => email.to_owned(),
            ("", phone) => phone.to_owned(),
            (email, phone) => format!("{email}, {phone}"),
        };
        log(&root, 0, "load", &format!("Loading {who}"));
        let suffix = query.split_once('&').map(|(_, rest)| format!("&{rest}")).unwrap_or_default();
        show(&root, dom::LOADED_URL, &format!("{}{suffix}", state.with_value(|s| s.pasted_url.clone())));
        iframe.set_src(&format!("/frame?{query}"));
        let url = format!("/preview/orders?{query}");
        spawn_local(async move { swap_in(&root, dom::ORDERS, fetch_text(&url).await) });
    };

    let on_message = move |ev: web_sys::MessageEvent| {
        let Some(root) = root.get_untracked() else { return };
        let Some(iframe) = find::<HtmlIFrameElement>(&root, dom::FRAME) else { return };
        // Only the frame's own messages: another window's are none of the preview's business.
        let from_frame = match (ev.source(), iframe.content_window()) {
            (Some(source), Some(window)) => JsValue::from(source) == JsValue::from(window),
            _ => false,
        };
        if !from_frame {
            return;
        }
        let after_ms = (js_sys::Date::now() - state.with_value(|s| s.opened_at)).max(0.0) as u32;
        let own_origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let data = ev.data();
        let field = |name: &str| js_sys::Reflect::get(&data, &JsValue::from_str(name)).ok();
        let action = field("action").and_then(|v| v.as_string());
        let reported = field("height").and_then(|v| v.as_f64());
        match (action.as_deref(), reported) {
            _ if ev.origin() != own_origin => {
                log(&root, after_ms, "ignored", &format!("ignored: sent from {}", ev.origin()))
            }
            (Some("resize"), Some(h)) if h.is_finite() && h >= 0.0 && h.fract() == 0.0 => {
                let h = h as u32;
                let _ = iframe.set_attribute("height", &h.to_string());
                state.update_value(|s| s.resizes += 1);
                log(&root, after_ms, "resize", &format!("resize → {h} px"));
                let resizes = state.with_value(|s| s.resizes);
                show(
                    &root,
                    dom::LOG_SUMMARY,
                    &format!("{resizes} resize messages in all; the frame is now {h} px tall."),
                );
            }
            (Some("resize"), _) => {
                log(&root, after_ms, "ignored", "ignored: a resize without a whole, positive height")
            }
            (Some(other), _) => {
                log(&root, after_ms, "ignored", &format!("ignored: action {other:?}, which Belco does not know"))
            }
            (None, _) => log(&root, after_ms, "ignored", "ignored: a message without an action"),
        }
        // The frame has been served by now, so the inspector lists its load.
        if !state.with_value(|s| s.calls_fresh) {
            state.update_value(|s| s.calls_fresh = true);
            refresh_calls();
        }
    };

    // Once hydrated: listen first, then load the first pick, so no message goes unlogged; then
    // the buttons work.
    Effect::new(move |_| {
        let handle = window_event_listener(leptos::ev::message, on_message);
        on_cleanup(move || handle.remove());
        let Some(root) = root.get() else { return };
        let (email, phone) = identifiers(&root);
        open(email, phone);
        refresh_calls();
        for button in all(&root, "button[disabled]") {
            let _ = button.remove_attribute("disabled");
        }
    });

    let on_change = move |ev: Event| {
        let Some(root) = root.get_untracked() else { return };
        let Some(select) = ev.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
        let (Some(email_input), Some(phone_input)) =
            (find::<HtmlInputElement>(&root, dom::EMAIL_INPUT), find::<HtmlInputElement>(&root, dom::PHONE_INPUT))
        else {
            return;
        };
        if select.value() == dom::SOMEONE_ELSE {
            let _ = email_input.focus();
            return;
        }
        let option = select.selected_options().item(0);
        let attribute = |name: &str| option.as_ref().and_then(|o| o.get_attribute(name)).unwrap_or_default();
        let (email, phone) = (attribute(dom::EMAIL), attribute(dom::PHONE));
        email_input.set_value(&email);
        phone_input.set_value(&phone);
        open(email, phone);
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(root) = root.get_untracked() else { return };
        let (email, phone) = identifiers(&root);
        if let Some(select) = find::<HtmlSelectElement>(&root, dom::SELECT) {
            let nobody = email.trim().is_empty() && phone.trim().is_empty();
            select.set_value(if nobody { dom::COMPANY } else { dom::SOMEONE_ELSE });
        }
        open(email, phone);
    };

    let on_click = move |ev: MouseEvent| {
        let Some(root) = root.get_untracked() else { return };
        let action = ev.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|e| e.get_attribute(dom::ACTION));
        match action.as_deref() {
            Some(dom::CLEAR_LOG) => {
                if let Ok(Some(list)) = root.query_selector(dom::LOG) {
                    list.set_inner_html("");
                }
            }
            Some(dom::REFRESH_CALLS) => refresh_calls(),
            _ => {}
        }
    };

    view! {
        <div class="preview__workspace" node_ref=root on:change=on_change on:submit=on_submit on:click=on_click>
            {children()}
        </div>
    }
}

/// What the island keeps between events.
struct State {
    token: String,
    pasted_url: String,
    /// When the frame's URL was last set (ms since the epoch).
    opened_at: f64,
    /// Whether the inspector was asked again since then.
    calls_fresh: bool,
    resizes: u32,
}

/// The query the frame is loaded with: the preview's token where Belco's URL has the shop's,
/// then the identifiers as Belco appends them, as they are (not encoded), both named when either
/// is known, neither for the company panel.
fn belco_query(token: &str, email: &str, phone: &str) -> String {
    if email.is_empty() && phone.is_empty() {
        format!("preview_token={token}")
    } else {
        format!("preview_token={token}&email={email}&phoneNumber={phone}")
    }
}

/// The picker's email and phone number, as typed or picked.
fn identifiers(root: &Element) -> (String, String) {
    let value = |selector| find::<HtmlInputElement>(root, selector).map(|input| input.value()).unwrap_or_default();
    (value(dom::EMAIL_INPUT), value(dom::PHONE_INPUT))
}

fn find<T: JsCast>(root: &Element, selector: &str) -> Option<T> {
    root.query_selector(selector).ok().flatten()?.dyn_into::<T>().ok()
}

/// Adds a line to the resize log: `kind` is `load`, `resize` or `ignored`.
fn log(root: &Element, after_ms: u32, kind: &str, text: &str) {
    let (Ok(Some(list)), Some(document)) = (root.query_selector(dom::LOG), root.owner_document()) else { return };
    let Ok(entry) = document.create_element("li") else { return };
    entry.set_class_name(&format!("resize-log__entry resize-log__entry--{kind}"));
    entry.set_text_content(Some(&format!("+{after_ms} ms  {text}")));
    let _ = list.append_child(&entry);
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

/// Puts the server's HTML into the part of `root` that `selector` names, or a sentence saying
/// why there is none.
fn swap_in(root: &Element, selector: &str, fetched: Result<String, String>) {
    let Ok(Some(target)) = root.query_selector(selector) else { return };
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
        assert_eq!(belco_query("t0k", "", ""), "preview_token=t0k");
        assert_eq!(belco_query("t0k", "a+b@x.nl", ""), "preview_token=t0k&email=a+b@x.nl&phoneNumber=");
        assert_eq!(belco_query("t0k", "", "+31 6 12"), "preview_token=t0k&email=&phoneNumber=+31 6 12");
    }
}
