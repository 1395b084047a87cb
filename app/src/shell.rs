//! The HTML document around every page.

use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::routes::App;

/// The document the server streams for every route but `/frame`. Its hydration script hydrates
/// only the `<leptos-island>` elements, not the whole body.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    document(options, "en", view! { <MetaTags/> }, view! { <App/> })
}

/// The HTML document in the language `lang` (`<html lang>`): `head` goes into the head (the
/// pages' `<MetaTags/>`, or the frame's own `<title>` and language script), `body` into the body.
/// The pages but the frame are for the shop's developer, and English.
///
/// No `height: 100%` or `vh` anywhere on `html`/`body`: the panel lives in Belco's iframe, which
/// takes its height from the document, so a viewport-sized body would feed back into itself.
pub fn document(options: LeptosOptions, lang: &'static str, head: impl IntoView, body: impl IntoView) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <IslandScripts options=options/>
                {head}
                <link rel="stylesheet" id="leptos" href="/pkg/belco-panel.css"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
            </head>
            <body>{body}</body>
        </html>
    }
}

/// Leptos's own island hydration script (`HydrationScripts`), after a shim that bounds how long
/// `requestIdleCallback` may keep a callback waiting. Leptos starts hydrating in an idle callback
/// with no timeout; Chromium sometimes grants a cross-origin iframe no idle time at all until it
/// gets input, so the panel's buttons stayed disabled until the agent clicked somewhere (about 1
/// load in 7 in `end2end/`). With the shim, idle time is still preferred, but a callback runs
/// after [`IDLE_TIMEOUT_MS`] at the latest (once), whatever the browser does with idle callbacks.
/// The shim is a plain script, so it runs before the module script.
#[component]
fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    let shim = format!(
        "(function(w){{var r=w.requestIdleCallback;w.requestIdleCallback=function(c,o){{var d=0;\
         function f(x){{if(!d){{d=1;c(x||{{didTimeout:true,timeRemaining:function(){{return 0;}}}});}}}}\
         w.setTimeout(f,{IDLE_TIMEOUT_MS});return r?r.call(w,f,o):0;}};}})(window);"
    );
    view! {
        <script nonce=leptos::nonce::use_nonce()>{shim}</script>
        <HydrationScripts options islands=true/>
    }
}

/// The longest Leptos waits for idle time before it hydrates the islands.
pub const IDLE_TIMEOUT_MS: u32 = 100;
