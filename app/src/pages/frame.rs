//! `/frame`: Belco's Custom Frame. Belco loads `…/frame?token=…` in an iframe on its customer
//! card and appends `&email=…&phoneNumber=…` (either may be empty).
//!
//! Order of work, as for the orders API: the headers are set, then the token is read from the
//! raw query string and checked (constant time, every configured token), and only then are the
//! identifiers read and anything looked up. A missing or wrong token gets a plain 401 page that
//! names no customer.
//!
//! The route renders with `SsrMode::Async`: the whole panel, data included, is in the first
//! HTML, so there is no spinner before the wasm loads, and the status and headers chosen while
//! rendering reach the response. The orders expand with `<details>`, which needs no wasm, and the
//! resize messages come from a tiny inline script; only the notes and the forms are islands.
//! They receive a capability signed for this panel's customer (or for the company panel), which
//! every server function they call checks (`server_fns::panel`).

use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use ssr::FrameSettings;

#[component]
pub fn FramePage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        ssr::render()
    }
    // In islands mode the browser never renders pages, only islands.
    #[cfg(not(feature = "ssr"))]
    {
        view! { <main class="frame"></main> }
    }
}

/// The inline script that tells Belco the frame's height: once as soon as it runs (it sits at
/// the end of the body, after the stylesheet, so the server's HTML is laid out), then on every
/// change of the body's size (ResizeObserver) or of a `<details>` (the `toggle` event, which
/// does not bubble, hence the capture), and on `load` (images, fonts). One message per new
/// height: an unchanged height sends nothing.
///
/// `origin_json` is the target origin as a JSON string (never `*`).
#[cfg(feature = "ssr")]
pub fn resize_script(origin_json: &str) -> String {
    format!(
        "(function(){{var o={origin_json},l=-1;function s(){{var h=document.body.scrollHeight;\
         if(h!==l){{l=h;window.parent.postMessage({{action:'resize',height:h}},o);}}}}\
         s();if(window.ResizeObserver){{new ResizeObserver(s).observe(document.body);}}\
         document.addEventListener('toggle',s,true);window.addEventListener('load',s);}})();"
    )
}

/// `origin` as a JSON string that is also safe inside a `<script>` element.
#[cfg(feature = "ssr")]
pub fn script_string(origin: &str) -> String {
    serde_json::to_string(origin)
        .unwrap_or_else(|_| "\"\"".to_owned())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// `Content-Security-Policy` for the frame: only this server's scripts and the ones carrying the
/// nonce Leptos puts on its hydration scripts, wasm allowed to compile, framed only by Belco.
#[cfg(feature = "ssr")]
pub fn content_security_policy(nonce: Option<&str>, belco_origin: &str) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors {belco_origin}; base-uri 'none'; \
         form-action 'self'"
    )
}

/// Money for people: the currency's own digits, with a symbol where one is unambiguous.
#[cfg(feature = "ssr")]
pub fn money_text(minor: i64, currency: belco::money::Currency) -> String {
    let amount = belco::money::format_minor(minor, currency);
    let (sign, amount) = match amount.strip_prefix('-') {
        Some(rest) => ("−", rest.to_owned()),
        None => ("", amount),
    };
    match currency.code() {
        "EUR" => format!("{sign}€{amount}"),
        "USD" => format!("{sign}${amount}"),
        "GBP" => format!("{sign}£{amount}"),
        code => format!("{sign}{amount} {code}"),
    }
}

/// An order number as people say it: `#1234`, also when the shop already wrote the `#`.
#[cfg(feature = "ssr")]
pub fn order_number(number: &str) -> String {
    if number.starts_with('#') { number.to_owned() } else { format!("#{number}") }
}

/// The badge's modifier for a status: shops name statuses freely, so only common words count.
#[cfg(feature = "ssr")]
pub fn status_class(status: &str) -> &'static str {
    match status.trim().to_ascii_lowercase().as_str() {
        "completed" | "complete" | "delivered" | "shipped" | "paid" | "closed" => "badge badge--done",
        "cancelled" | "canceled" | "refunded" | "failed" | "declined" | "returned" => "badge badge--stopped",
        "processing" | "pending" | "new" | "open" | "on-hold" | "on hold" | "awaiting payment" => "badge badge--open",
        _ => "badge",
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use belco::capability::{Signer, Subject};
    use belco::contract::Order;
    use belco::forms::{Forms as FormSet, Scope};
    use belco::identity::CustomerKey;
    use belco::phone::{Region, customer_key};
    use belco::query::BelcoQuery;
    use belco::secret::TokenSet;
    use belco::store::{CustomerSummary, Owner, Store, now_millis};
    use belco::time::{format_day, format_iso_day};
    use http::request::Parts;
    use http::{HeaderValue, StatusCode, header};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use super::{content_security_policy, money_text, order_number, resize_script, script_string, status_class};
    use crate::islands::{Forms, Notes};
    use crate::pages::form_card::FormsHtml;
    use crate::pages::notes_list::{add_note_form, notes_list};
    use crate::server_fns::{NoteView, SubmissionView, panel_ssr};

    /// What the frame needs from the server's configuration. The server puts it into the Leptos
    /// context as `Arc<FrameSettings>` (the `app` crate cannot name the server's `Config`).
    #[derive(Clone, Debug)]
    pub struct FrameSettings {
        /// `None`: no token configured, so every request is refused.
        pub tokens: Option<TokenSet>,
        /// `BELCO_ORIGIN`: the only origin that may frame the page and receive its messages.
        pub belco_origin: String,
        pub phone_region: Region,
        /// How many orders the panel lists, newest first.
        pub orders_limit: i64,
        /// Signs the capabilities the islands send back; `None`: notes and forms are off.
        pub signer: Option<Arc<Signer>>,
        /// The shop's forms (possibly none).
        pub forms: Arc<FormSet>,
        /// The same forms as HTML, rendered once: `FormsHtml::render(&forms)`.
        pub forms_html: FormsHtml,
    }

    pub fn render() -> AnyView {
        let response = use_context::<ResponseOptions>();
        let nonce = leptos::nonce::use_nonce();
        let Some(settings) = use_context::<Arc<FrameSettings>>() else {
            tracing::error!("no FrameSettings in the Leptos context; the server must provide them");
            set_status(response.as_ref(), StatusCode::INTERNAL_SERVER_ERROR);
            return message("Unavailable", "The panel is not configured on this server.", None);
        };
        if let Some(response) = &response {
            set_headers(response, nonce.as_deref(), &settings.belco_origin);
        }
        let resize = Some((script_string(&settings.belco_origin), nonce));

        // The token first, from the raw query string, before anything else is read.
        let raw_query = use_context::<Parts>().and_then(|parts| parts.uri.query().map(str::to_owned));
        let query = BelcoQuery::new(raw_query.as_deref()).ok().filter(|query| {
            settings.tokens.as_ref().is_some_and(|tokens| tokens.accepts(query.bytes("token").as_deref()))
        });
        let Some(query) = query else {
            set_status(response.as_ref(), StatusCode::UNAUTHORIZED);
            return message(
                "Not authorized",
                "This link has no valid token. Check the Custom Frame URL in Belco's settings.",
                resize,
            );
        };
        let (Ok(email), Ok(phone)) = (query.text("email"), query.text("phoneNumber")) else {
            set_status(response.as_ref(), StatusCode::BAD_REQUEST);
            return message("Unreadable link", "The email address or phone number in this link is not text.", resize);
        };
        let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        let phone = phone.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());

        let Some(store) = use_context::<Store>() else {
            tracing::error!("no Store in the Leptos context; the server must provide it");
            set_status(response.as_ref(), StatusCode::INTERNAL_SERVER_ERROR);
            return message("Unavailable", "The panel cannot reach its storage.", resize);
        };

        let panel = Suspend::new(async move {
            let result = if email.is_none() && phone.is_none() {
                company_panel(&store, &settings).await
            } else {
                let key =
                    customer_key(email.as_deref().unwrap_or(""), phone.as_deref().unwrap_or(""), settings.phone_region);
                customer_panel(&store, &settings, key, email, phone).await
            };
            result.unwrap_or_else(|error| unavailable(response.as_ref(), &error))
        });

        view! {
            <main class="frame">
                <Suspense fallback=|| ()>{panel}</Suspense>
            </main>
            {resize_element(resize)}
        }
        .into_any()
    }

    fn set_status(response: Option<&ResponseOptions>, status: StatusCode) {
        if let Some(response) = response {
            response.set_status(status);
        }
    }

    fn set_headers(response: &ResponseOptions, nonce: Option<&str>, belco_origin: &str) {
        match HeaderValue::from_str(&content_security_policy(nonce, belco_origin)) {
            Ok(csp) => response.insert_header(header::CONTENT_SECURITY_POLICY, csp),
            Err(error) => tracing::error!(%error, "the frame's Content-Security-Policy is not a header value"),
        }
        // The URL holds the token: a click on an order link must not send it on.
        response.insert_header(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response.insert_header(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }

    fn resize_element(resize: Option<(String, Option<leptos::nonce::Nonce>)>) -> impl IntoView {
        resize.map(|(origin_json, nonce)| view! { <script nonce=nonce>{resize_script(&origin_json)}</script> })
    }

    fn message(
        title: &'static str,
        text: &'static str,
        resize: Option<(String, Option<leptos::nonce::Nonce>)>,
    ) -> AnyView {
        view! {
            <main class="frame frame--message">
                <h1>{title}</h1>
                <p>{text}</p>
            </main>
            {resize_element(resize)}
        }
        .into_any()
    }

    fn unavailable(response: Option<&ResponseOptions>, error: &belco::store::StoreError) -> AnyView {
        tracing::error!(%error, "the frame could not read storage");
        set_status(response, StatusCode::SERVICE_UNAVAILABLE);
        view! { <p class="frame__error" role="alert">"The panel cannot reach its storage. Try again in a moment."</p> }
            .into_any()
    }

    /// A capability for `subject`, if this server signs any.
    fn capability(settings: &FrameSettings, subject: &Subject) -> Option<String> {
        settings.signer.as_ref().map(|signer| signer.issue(subject, now_millis()))
    }

    /// The island with the scope's forms (server HTML, its children) and the sent ones.
    fn forms_island(
        settings: &FrameSettings,
        scope: Scope,
        capability: String,
        submissions: Vec<SubmissionView>,
        list_title: &str,
    ) -> impl IntoView {
        let list_title = list_title.to_owned();
        let cards = settings.forms_html.of(scope);
        view! {
            <Forms capability submissions list_title>
                <div class="forms__cards" inner_html=cards></div>
            </Forms>
        }
    }

    /// Shown where the notes and forms would be when the server has no signing key.
    fn interactive_off() -> AnyView {
        view! {
            <p class="frame__notice">"Notes and forms are off: this server has no BELCO_SIGNING_KEY."</p>
        }
        .into_any()
    }

    async fn company_panel(store: &Store, settings: &FrameSettings) -> Result<AnyView, belco::store::StoreError> {
        let (stored, submissions) =
            futures::try_join!(store.count_orders(), store.submissions(Owner::Company, panel_ssr::SUBMISSIONS_LIMIT))?;
        let submissions: Vec<SubmissionView> = submissions.into_iter().map(panel_ssr::submission_view).collect();
        let interactive = match capability(settings, &Subject::Company) {
            Some(capability) => {
                forms_island(settings, Scope::Company, capability, submissions, "Recent submissions").into_any()
            }
            None => interactive_off(),
        };
        Ok(view! {
            <header class="panel-header">
                <h1>"Company"</h1>
                <p class="panel-header__note">
                    "Belco sent no email address or phone number, so this is the shop-wide view."
                </p>
            </header>
            <dl class="facts">
                <div class="facts__item">
                    <dt>"Orders stored"</dt>
                    <dd>{stored}</dd>
                </div>
            </dl>
            {interactive}
        }
        .into_any())
    }

    async fn customer_panel(
        store: &Store,
        settings: &FrameSettings,
        key: CustomerKey,
        email: Option<String>,
        phone: Option<String>,
    ) -> Result<AnyView, belco::store::StoreError> {
        // Four independent reads: on PostgreSQL one round trip of waiting instead of four (on
        // SQLite they are synchronous reads on this thread, see store/fast_read.rs).
        let (summary, orders, notes, submissions) = futures::try_join!(
            store.customer_summary(&key),
            store.orders(&key, settings.orders_limit),
            store.notes(&key, panel_ssr::NOTES_LIMIT),
            store.submissions(Owner::Customer(&key), panel_ssr::SUBMISSIONS_LIMIT),
        )?;
        let notes: Vec<NoteView> = notes.into_iter().map(panel_ssr::note_view).collect();
        let submissions: Vec<SubmissionView> = submissions.into_iter().map(panel_ssr::submission_view).collect();
        // A key with neither part (an email and a phone that cannot be read) names nobody.
        let unreadable = key.is_empty();
        let capability = if unreadable { None } else { capability(settings, &Subject::Customer(key)) };
        let interactive = match (unreadable, capability) {
            (true, _) => view! {
                <p class="frame__notice">
                    "Notes and forms need an email address or phone number this panel can read."
                </p>
            }
            .into_any(),
            (false, Some(capability)) => view! {
                <Notes capability=capability.clone()>
                    <div class="notes__items">{notes_list(notes, false)}</div>
                    {add_note_form()}
                </Notes>
                {forms_island(settings, Scope::Customer, capability, submissions, "Sent forms")}
            }
            .into_any(),
            (false, None) => interactive_off(),
        };
        Ok(view! {
            {customer_header(email, phone, summary, orders)}
            {interactive}
        }
        .into_any())
    }

    fn customer_header(
        email: Option<String>,
        phone: Option<String>,
        summary: CustomerSummary,
        orders: Vec<Order>,
    ) -> impl IntoView {
        let heading = summary.name.clone().or_else(|| email.clone()).or_else(|| phone.clone()).unwrap_or_default();
        let shown = orders.len() as i64;
        let list = if orders.is_empty() {
            view! { <p class="orders__empty">"No orders yet"</p> }.into_any()
        } else {
            view! { <ul class="orders__list">{orders.into_iter().map(order_item).collect_view()}</ul> }.into_any()
        };
        let more = (summary.orders > shown).then(
            || view! { <p class="orders__more">{format!("The newest {shown} of {} orders.", summary.orders)}</p> },
        );
        let totals = (!summary.totals.is_empty()).then(|| {
            let lines = summary
                .totals
                .iter()
                .map(|(currency, minor)| view! { <span class="facts__money">{money_text(*minor, *currency)}</span> })
                .collect_view();
            view! {
                <div class="facts__item">
                    <dt>"Total spent"</dt>
                    <dd>{lines}</dd>
                </div>
            }
        });
        view! {
            <header class="panel-header">
                <h1 class="panel-header__name">{heading}</h1>
                <dl class="facts">
                    {email.map(|email| view! {
                        <div class="facts__item">
                            <dt>"Email"</dt>
                            <dd>{email}</dd>
                        </div>
                    })}
                    {phone.map(|phone| view! {
                        <div class="facts__item">
                            <dt>"Phone"</dt>
                            <dd>{phone}</dd>
                        </div>
                    })}
                    {summary.first_order_at.map(|at| view! {
                        <div class="facts__item">
                            <dt>"Customer since"</dt>
                            <dd><time datetime=format_iso_day(at)>{format_day(at)}</time></dd>
                        </div>
                    })}
                    <div class="facts__item">
                        <dt>"Orders"</dt>
                        <dd>{summary.orders}</dd>
                    </div>
                    {totals}
                </dl>
            </header>
            <section class="orders" aria-labelledby="orders-title">
                <h2 id="orders-title">"Orders"</h2>
                {list}
                {more}
            </section>
        }
    }

    fn order_item(order: Order) -> impl IntoView {
        let currency = order.currency;
        let products = (!order.products.is_empty()).then(|| {
            let rows = order
                .products
                .into_iter()
                .map(|product| {
                    view! {
                        <li class="products__item">
                            <span class="products__name">{product.name}" × "{product.quantity}</span>
                            <span class="products__price">{money_text(product.price, currency)}</span>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="products" aria-label="Products">{rows}</ul> }
        });
        let note = (!order.note.trim().is_empty()).then(|| view! { <p class="order__note">{order.note}</p> });
        let link = (!order.url.is_empty()).then(|| {
            view! {
                <a class="order__link" href=order.url target="_blank" rel="noopener noreferrer">
                    "Open in the shop"
                </a>
            }
        });
        let badge = status_class(&order.status);
        view! {
            <li class="order">
                <details>
                    <summary class="order__summary">
                        <span class="order__number">{order_number(&order.number)}</span>
                        <time class="order__date" datetime=format_iso_day(order.date)>{format_day(order.date)}</time>
                        <span class=badge>{order.status}</span>
                        <span class="order__total">{money_text(order.total, currency)}</span>
                    </summary>
                    <div class="order__body">{products} {note} {link}</div>
                </details>
            </li>
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use belco::money::Currency;

    use super::*;

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

    #[test]
    fn the_policy_carries_the_nonce_and_the_framing_origin() {
        let csp = content_security_policy(Some("abc"), "https://app.belco.io");
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"), "{csp}");
        assert!(csp.contains("frame-ancestors https://app.belco.io;"), "{csp}");
    }

    #[test]
    fn money_reads_naturally() {
        let code = |c: &str| Currency::parse(c).unwrap();
        assert_eq!(money_text(1000, code("EUR")), "€10.00");
        assert_eq!(money_text(-5, code("EUR")), "−€0.05");
        assert_eq!(money_text(1000, code("JPY")), "1000 JPY");
        assert_eq!(money_text(1234, code("KWD")), "1.234 KWD");
    }
}
