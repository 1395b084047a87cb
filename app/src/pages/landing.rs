//! `/`: what a developer sees after deploying, to confirm the server runs and can reach storage.

use leptos::prelude::*;

use crate::islands::StorageCheck;

/// Static apart from the storage check. It is public, so it names no token and no customer.
#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <main class="page">
            <h1>"belco-panel is running"</h1>
            <p>
                "In Belco's Custom Orders integration, set the URL to this server's "
                <code>"/api/v1.0/orders?token=…"</code>
                ", with one of the tokens configured for this shop in place of the dots. "
                "Belco then calls it with the customer's email address or phone number and "
                "lists the orders it gets back."
            </p>
            <StorageCheck/>
        </main>
    }
}
