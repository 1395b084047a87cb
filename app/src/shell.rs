//! The HTML document around every page.

use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::routes::App;

/// The document the server streams for every route but `/frame`. Its hydration script hydrates
/// only the `<leptos-island>` elements, not the whole body.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    document(options, view! { <MetaTags/> }, view! { <App/> })
}

/// The HTML document: `title` goes into the head (the pages' `<MetaTags/>`, or the frame's own
/// `<title>`), `body` into the body.
///
/// No `height: 100%` or `vh` anywhere on `html`/`body`: the panel lives in Belco's iframe, which
/// takes its height from the document, so a viewport-sized body would feed back into itself.
pub fn document(options: LeptosOptions, title: impl IntoView, body: impl IntoView) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <IslandScripts options=options/>
                {title}
                <link rel="stylesheet" id="leptos" href="/pkg/belco-panel.css"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
            </head>
            <body>{body}</body>
        </html>
    }
}

/// What `<HydrationScripts islands=true/>` writes, with our own copy of its script
/// (`island_hydration.js`: hydration that does not wait for idle time indefinitely), and the
/// file names cargo-leptos writes (`/pkg/belco-panel.js` and `.wasm`), whichever way the server
/// binary itself was built.
#[component]
fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        const SCRIPT: &str = include_str!("island_hydration.js");
        // As Leptos does for islands: only the islands carry hydration markers.
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
        let nonce = leptos::nonce::use_nonce();
        let (pkg, name) = (options.site_pkg_dir.to_string(), options.output_name.to_string());
        let script = format!("{SCRIPT}(\"\", {pkg:?}, {name:?}, {name:?});");
        view! {
            // Fetched while the page is parsed; module scripts and fetch() are CORS "anonymous".
            <link rel="modulepreload" href=format!("/{pkg}/{name}.js") crossorigin="" />
            <link rel="preload" href=format!("/{pkg}/{name}.wasm") r#as="fetch" r#type="application/wasm" crossorigin="" />
            <script type="module" nonce=nonce>{script}</script>
        }
        .into_any()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = options;
        ().into_any()
    }
}
