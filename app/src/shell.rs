//! The HTML document around every page.

use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::routes::App;

/// The document the server streams for every route. `islands=true` makes the hydration script
/// hydrate only the `<leptos-island>` elements, not the whole body.
///
/// No `height: 100%` or `vh` anywhere on `html`/`body`: the panel lives in Belco's iframe, which
/// takes its height from the document, so a viewport-sized body would feed back into itself.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options islands=true/>
                <MetaTags/>
                <link rel="stylesheet" id="leptos" href="/pkg/belco-panel.css"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}
