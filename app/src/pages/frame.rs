//! `/frame`: Belco's Custom Frame. Belco loads `…/frame?token=…` in an iframe on its customer
//! card and appends `&email=…&phoneNumber=…` (either may be empty).
//!
//! The page has its own axum handler (`server/src/web.rs` → [`respond`]) rather than a route in
//! the Leptos router: it is the one page Belco loads over and over, so it is read and rendered in
//! one plain pass. Everything is read first (token, identifiers, then the customer's data), and
//! only then is the page written, synchronously: the panel by the HTML writer (`pages::html`),
//! into the markup that is the same on every panel, which Leptos rendered once at startup (the
//! document and the islands, see [`FramePage`]). The islands come out exactly as Leptos renders
//! them in a routed page (same views, same hydration script).
//!
//! Order of work, as for the orders API: the headers are chosen, then the token is read from the
//! raw query string and checked (constant time, every configured token), and only then are the
//! identifiers read and anything looked up. A missing or wrong token gets a plain 401 page that
//! names no customer.
//!
//! The whole panel, data included, is in the first HTML: no spinner before the wasm loads. The
//! orders expand with `<details>`, which needs no wasm, and the resize messages come from a tiny
//! inline script; only the notes and the forms are islands. They receive a capability signed for
//! this panel's customer (or for the company panel), which every server function they call checks
//! (`server_fns::panel`).

#[cfg(feature = "ssr")]
pub use ssr::{FramePage, FrameSettings, respond};

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
    let mut text = String::with_capacity(24);
    push_money_text(&mut text, minor, currency);
    text
}

/// [`money_text`], appended to `text`.
#[cfg(feature = "ssr")]
pub fn push_money_text(text: &mut String, minor: i64, currency: belco::money::Currency) {
    if minor < 0 {
        text.push('−');
    }
    let symbol = match currency.code() {
        "EUR" => Some('€'),
        "USD" => Some('$'),
        "GBP" => Some('£'),
        _ => None,
    };
    text.extend(symbol);
    belco::money::push_amount(text, minor.unsigned_abs(), currency);
    if symbol.is_none() {
        text.push(' ');
        text.push_str(currency.code());
    }
}

/// What goes before an order number so that it reads as people say it, `#1234`: nothing when the
/// shop already wrote the `#`.
#[cfg(feature = "ssr")]
pub fn number_sign(number: &str) -> &'static str {
    if number.starts_with('#') { "" } else { "#" }
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
    use belco::forms::{Forms as FormSet, Scope};
    use belco::phone::{Region, customer_key};
    use belco::query::BelcoQuery;
    use belco::secret::TokenSet;
    use belco::store::{
        CustomerRecords, CustomerSummary, Owner as DataOwner, PanelOrder, RecordLimits, Store, StoreError, now_millis,
    };
    use belco::time::{format_day, format_iso_day, push_day, push_iso_day};
    use futures::{FutureExt, StreamExt};
    use http::{HeaderValue, Response, StatusCode, header};
    use hydration_context::{SharedContext, SsrSharedContext};
    use leptos::config::LeptosOptions;
    use leptos::nonce::Nonce;
    use leptos::prelude::*;

    use super::{
        content_security_policy, money_text, number_sign, push_money_text, resize_script, script_string, status_class,
    };
    use crate::islands::{Forms, Notes};
    use crate::pages::form_card::FormsHtml;
    use crate::pages::html::{Html, Template};
    use crate::pages::notes_list::{add_note_form, write_notes};
    use crate::pages::submissions_list::write_submissions;
    use crate::server_fns::{NoteView, SubmissionView, panel_ssr};
    use crate::shell::document;

    /// What the frame needs from the server's configuration (the `app` crate cannot name the
    /// server's `Config`). The server builds it once; the server functions find it in the Leptos
    /// context as `Arc<FrameSettings>`.
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
        /// The page's markup that is the same on every panel: `FramePage::new(&site, &belco_origin,
        /// &forms)`.
        pub page: FramePage,
    }

    /// `GET /frame?token=…&email=…&phoneNumber=…` (`raw_query`: the URL's query string as sent).
    pub async fn respond(settings: &FrameSettings, store: &Store, raw_query: Option<&str>) -> Response<String> {
        let (status, page) = read(settings, store, raw_query).await;
        let nonce = Nonce::new();
        let html = render(settings, &nonce, page);
        let mut response = Response::new(html);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        match HeaderValue::from_str(&content_security_policy(Some(&*nonce), &settings.belco_origin)) {
            Ok(csp) => _ = headers.insert(header::CONTENT_SECURITY_POLICY, csp),
            Err(error) => tracing::error!(%error, "the frame's Content-Security-Policy is not a header value"),
        }
        // The URL holds the token: a click on an order link must not send it on.
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }

    /// What the page shows, read before anything is rendered.
    enum Page {
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
        Customer(Box<Customer>),
    }

    struct Customer {
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

    /// The token first, from the raw query string, before anything else is read; then the
    /// identifiers; then storage.
    async fn read(settings: &FrameSettings, store: &Store, raw_query: Option<&str>) -> (StatusCode, Page) {
        let query = BelcoQuery::new(raw_query).ok().filter(|query| {
            settings.tokens.as_ref().is_some_and(|tokens| tokens.accepts(query.bytes("token").as_deref()))
        });
        let Some(query) = query else {
            let text = "This link has no valid token. Check the Custom Frame URL in Belco's settings.";
            return (StatusCode::UNAUTHORIZED, Page::Message { title: "Not authorized", text });
        };
        let (Ok(email), Ok(phone)) = (query.text("email"), query.text("phoneNumber")) else {
            let text = "The email address or phone number in this link is not text.";
            return (StatusCode::BAD_REQUEST, Page::Message { title: "Unreadable link", text });
        };
        let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        let phone = phone.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        let read = if email.is_none() && phone.is_none() {
            read_company(store, settings).await
        } else {
            read_customer(store, settings, email, phone).await
        };
        match read {
            Ok(page) => (StatusCode::OK, page),
            Err(error) => {
                tracing::error!(%error, "the frame could not read storage");
                (StatusCode::SERVICE_UNAVAILABLE, Page::Unavailable)
            }
        }
    }

    async fn read_company(store: &Store, settings: &FrameSettings) -> Result<Page, StoreError> {
        let (stored, submissions) = futures::try_join!(
            store.count_orders(),
            store.submissions(DataOwner::Company, panel_ssr::SUBMISSIONS_LIMIT)
        )?;
        Ok(Page::Company {
            stored,
            capability: capability(settings, &Subject::Company),
            submissions: submissions.into_iter().map(panel_ssr::submission_view).collect(),
        })
    }

    async fn read_customer(
        store: &Store,
        settings: &FrameSettings,
        email: Option<String>,
        phone: Option<String>,
    ) -> Result<Page, StoreError> {
        let key = customer_key(email.as_deref().unwrap_or(""), phone.as_deref().unwrap_or(""), settings.phone_region);
        let limits = RecordLimits {
            orders: settings.orders_limit,
            notes: panel_ssr::NOTES_LIMIT,
            submissions: panel_ssr::SUBMISSIONS_LIMIT,
        };
        let CustomerRecords { summary, orders, notes, submissions } = store.customer_records(&key, limits).await?;
        // A key with neither part (an email and a phone that cannot be read) names nobody.
        let unreadable = key.is_empty();
        let capability = if unreadable { None } else { capability(settings, &Subject::Customer(key)) };
        Ok(Page::Customer(Box::new(Customer {
            email,
            phone,
            summary,
            orders,
            notes: notes.into_iter().map(panel_ssr::note_view).collect(),
            submissions: submissions.into_iter().map(panel_ssr::submission_view).collect(),
            unreadable,
            capability,
        })))
    }

    /// A capability for `subject`, if this server signs any.
    fn capability(settings: &FrameSettings, subject: &Subject) -> Option<String> {
        settings.signer.as_ref().map(|signer| signer.issue(subject, now_millis()))
    }

    /// Bytes reserved for a page: a panel with 20 orders and 10 notes is ~47 KB.
    const PAGE_CAPACITY: usize = 64 * 1024;

    /// The whole document in one synchronous pass: [`FramePage`]'s markup, with this response's
    /// nonce, its panel (written with `pages::html`), and in the islands, their capability and
    /// lists.
    fn render(settings: &FrameSettings, nonce: &str, page: Page) -> String {
        let mut html = Html::with_capacity(PAGE_CAPACITY);
        let mut page = Some(page);
        settings.page.document.write(&mut html, |html, slot| match slot {
            Slot::Nonce => _ = html.attr(nonce),
            Slot::Panel => page.take().into_iter().for_each(|page| main(html, settings, page)),
            Slot::Capability | Slot::Notes | Slot::Submissions => {}
        });
        html.finish()
    }

    /// Where a response puts its own values into [`FramePage`]'s markup.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Slot {
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
        document: Template<Slot>,
        /// The `Notes` island with its add form (slots: capability, notes).
        notes: Template<Slot>,
        /// The `Forms` island of each scope, with its forms (slots: capability, submissions).
        customer_forms: Template<Slot>,
        company_forms: Template<Slot>,
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
                let (capability, notes, submissions) =
                    (mark(Slot::Capability), mark(Slot::Notes), mark(Slot::Submissions));
                let notes = Template::render(notes_island(capability, notes.into()), &MARKS);
                let forms = |scope: Scope| {
                    let island = forms_island(capability, cards.of(scope), list_title(scope), submissions.into());
                    Template::render(island, &MARKS)
                };
                let (customer_forms, company_forms) = (forms(Scope::Customer), forms(Scope::Company));
                // The data scripts: the same for every panel, since nothing in the islands is
                // read asynchronously (so they are ready at once).
                let data = shared
                    .pending_data()
                    .and_then(|data| data.collect::<Vec<String>>().now_or_never())
                    .unwrap_or_default();
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
    fn write_island(
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

    fn main(html: &mut Html, settings: &FrameSettings, page: Page) {
        match page {
            Page::Message { title, text } => {
                html.raw("<main class=\"frame frame--message\"><h1>")
                    .text(title)
                    .raw("</h1><p>")
                    .text(text)
                    .raw("</p></main>");
            }
            Page::Unavailable => {
                html.raw(
                    "<main class=\"frame\"><p class=\"frame__error\" role=\"alert\">The panel cannot reach its \
                     storage. Try again in a moment.</p></main>",
                );
            }
            Page::Company { stored, capability, submissions } => {
                html.raw("<main class=\"frame\">");
                company_panel(html, settings, stored, capability, submissions);
                html.raw("</main>");
            }
            Page::Customer(customer) => {
                html.raw("<main class=\"frame\">");
                customer_panel(html, settings, *customer);
                html.raw("</main>");
            }
        }
    }

    /// Shown where the notes and forms would be when the server has no signing key.
    fn interactive_off(html: &mut Html) {
        html.raw("<p class=\"frame__notice\">Notes and forms are off: this server has no BELCO_SIGNING_KEY.</p>");
    }

    fn company_panel(
        html: &mut Html,
        settings: &FrameSettings,
        stored: i64,
        capability: Option<String>,
        submissions: Vec<SubmissionView>,
    ) {
        html.raw(
            "<header class=\"panel-header\"><h1>Company</h1><p class=\"panel-header__note\">Belco sent no email \
             address or phone number, so this is the shop-wide view.</p></header><dl class=\"facts\">\
             <div class=\"facts__item\"><dt>Orders stored</dt><dd>",
        )
        .number(stored)
        .raw("</dd></div></dl>");
        match capability {
            Some(capability) => write_island(html, &settings.page.company_forms, &capability, &[], &submissions),
            None => interactive_off(html),
        }
    }

    fn customer_panel(html: &mut Html, settings: &FrameSettings, customer: Customer) {
        let Customer { email, phone, summary, orders, notes, submissions, unreadable, capability } = customer;
        customer_header(html, email.as_deref(), phone.as_deref(), &summary, &orders);
        match (unreadable, capability) {
            (true, _) => {
                _ = html.raw(
                    "<p class=\"frame__notice\">Notes and forms need an email address or phone number this panel \
                 can read.</p>",
                )
            }
            (false, Some(capability)) => {
                write_island(html, &settings.page.notes, &capability, &notes, &[]);
                write_island(html, &settings.page.customer_forms, &capability, &[], &submissions);
            }
            (false, None) => interactive_off(html),
        }
    }

    /// Who the customer is, what they bought in all, and their newest orders.
    fn customer_header(
        html: &mut Html,
        email: Option<&str>,
        phone: Option<&str>,
        summary: &CustomerSummary,
        orders: &[PanelOrder],
    ) {
        let heading = summary.name.as_deref().or(email).or(phone).unwrap_or_default();
        html.raw("<header class=\"panel-header\"><h1 class=\"panel-header__name\">")
            .text(heading)
            .raw("</h1><dl class=\"facts\">");
        let fact = |html: &mut Html, term: &'static str| {
            html.raw("<div class=\"facts__item\"><dt>").raw(term).raw("</dt><dd>");
        };
        if let Some(email) = email {
            fact(html, "Email");
            html.text(email).raw("</dd></div>");
        }
        if let Some(phone) = phone {
            fact(html, "Phone");
            html.text(phone).raw("</dd></div>");
        }
        if let Some(at) = summary.first_order_at {
            fact(html, "Customer since");
            html.time(None, &format_iso_day(at), &format_day(at)).raw("</dd></div>");
        }
        fact(html, "Orders");
        html.number(summary.orders).raw("</dd></div>");
        if !summary.totals.is_empty() {
            fact(html, "Total spent");
            for (currency, minor) in &summary.totals {
                html.raw("<span class=\"facts__money\">").text(&money_text(*minor, *currency)).raw("</span>");
            }
            html.raw("</dd></div>");
        }
        html.raw(
            "</dl></header><section class=\"orders\" aria-labelledby=\"orders-title\">\
             <h2 id=\"orders-title\">Orders</h2>",
        );
        if orders.is_empty() {
            html.raw("<p class=\"orders__empty\">No orders yet</p>");
        } else {
            html.raw("<ul class=\"orders__list\">");
            orders_html(html, orders);
            html.raw("</ul>");
        }
        let shown = orders.len() as i64;
        if summary.orders > shown {
            html.raw("<p class=\"orders__more\">The newest ")
                .number(shown)
                .raw(" of ")
                .number(summary.orders)
                .raw(" orders.</p>");
        }
        html.raw("</section>");
    }

    /// The orders' `<li>`s (see `pages::html` for why they are not views): each a `<details>`
    /// whose summary shows number, date, status and total, and whose body lists the products,
    /// the shop's note and a link to the order in the shop.
    fn orders_html(html: &mut Html, orders: &[PanelOrder]) {
        // Dates and amounts are written into these and copied, escaped, into the page: a few
        // hundred per page, so without a string of their own each.
        let (mut iso, mut day, mut money) = (String::new(), String::new(), String::new());
        for order in orders {
            let currency = order.currency;
            html.raw("<li class=\"order\"><details><summary class=\"order__summary\"><span class=\"order__number\">")
                .raw(number_sign(&order.number))
                .text(&order.number)
                .raw("</span>")
                .time(
                    Some("order__date"),
                    scratch(&mut iso, |s| push_iso_day(s, order.date)),
                    scratch(&mut day, |s| push_day(s, order.date)),
                )
                .raw("<span class=\"")
                .raw(status_class(&order.status))
                .raw("\">")
                .text(&order.status)
                .raw("</span><span class=\"order__total\">")
                .text(scratch(&mut money, |s| push_money_text(s, order.total, currency)))
                .raw("</span></summary><div class=\"order__body\">");
            match order.products() {
                Ok(products) if products.is_empty() => {}
                Ok(products) => {
                    html.raw("<ul class=\"products\" aria-label=\"Products\">");
                    for product in &products {
                        html.raw("<li class=\"products__item\"><span class=\"products__name\">")
                            .text(&product.name)
                            .raw(" × ")
                            .number(product.quantity)
                            .raw("</span><span class=\"products__price\">")
                            .text(scratch(&mut money, |s| push_money_text(s, product.price, currency)))
                            .raw("</span></li>");
                    }
                    html.raw("</ul>");
                }
                // Only the import writes products, so this is a damaged row: the rest of the
                // order, and of the panel, still shows.
                Err(error) => {
                    tracing::error!(%error, "an order's products could not be read");
                    html.raw("<p class=\"order__note\">The products of this order could not be read.</p>");
                }
            }
            if !order.note.trim().is_empty() {
                html.raw("<p class=\"order__note\">").text(&order.note).raw("</p>");
            }
            if !order.url.is_empty() {
                html.raw("<a class=\"order__link\" href=\"")
                    .attr(&order.url)
                    .raw("\" target=\"_blank\" rel=\"noopener noreferrer\">Open in the shop</a>");
            }
            html.raw("</div></details></li>");
        }
    }

    /// `buffer`, emptied and written again by `write`.
    fn scratch(buffer: &mut String, write: impl FnOnce(&mut String)) -> &str {
        buffer.clear();
        write(buffer);
        buffer
    }

    #[cfg(test)]
    mod tests {
        use belco::forms::Answer;

        use super::*;
        use crate::pages::notes_list::notes_html;
        use crate::pages::submissions_list::submissions_html;

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
                for (scope, island) in [(Scope::Customer, &page.customer_forms), (Scope::Company, &page.company_forms)]
                {
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
