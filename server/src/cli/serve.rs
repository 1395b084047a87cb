//! `belco-panel serve` and `belco-panel demo`: the checks before serving, the URLs to paste
//! into Belco, and the demo's made-up secrets and data; `crate::startup` does the serving.

use std::sync::Arc;

use belco::capability::Signer;
use belco::push::{PushVerifier, generate_secret};
use belco::secret::{Secret, TokenSet, generate_token};
use belco::store::Store;
use leptos::config::LeptosOptions;

use super::{CliResult, connect};
use crate::config::Config;
use crate::startup::{Application, shutdown_signal};

/// `belco-panel serve` (and the bare command): refuses to start without what it must not run
/// without, each refusal naming its variable and how to make one; then serves until stopped.
pub(crate) async fn serve(config: Config, leptos_options: LeptosOptions) -> CliResult {
    if config.tokens.is_none() {
        return Err("BELCO_TOKENS is not set: belco-panel will not serve customer data without a token. \
                    Make one with `belco-panel token`, or try everything on demo data with `belco-panel demo`."
            .into());
    }
    if config.signer.is_none() {
        return Err("BELCO_SIGNING_KEY is not set: the panel signs what its pages may do with it, and every \
                    instance must share it. Make one with `belco-panel token`."
            .into());
    }
    if config.access_log && config.pseudonyms.is_none() {
        return Err("BELCO_PSEUDONYM_KEY is not set: the access log keys who was looked up with it, and \
                    `belco-panel access`, `customer export` and `customer erase` find them with it. It never \
                    rotates and every instance must share it. Make one with `belco-panel token` (or turn the \
                    access log off: BELCO_ACCESS_LOG=off)."
            .into());
    }
    if config.preview == Some(true) && config.preview_token.is_none() {
        return Err("BELCO_PREVIEW_TOKEN is not set: BELCO_PREVIEW=on shows customers' names, emails and \
                    phone numbers, so the preview asks for a token of its own, never one of BELCO_TOKENS. \
                    Make one with `belco-panel token`."
            .into());
    }
    log_forms(&config);
    let store = connect(&config).await?;
    print_urls(&config, &leptos_options, None, None);
    run(config, store, leptos_options).await
}

/// Serves until Ctrl-C or SIGTERM, then stops in order (`startup::Application::run_until`).
async fn run(config: Config, store: Store, leptos_options: LeptosOptions) -> CliResult {
    let app = Application::build(config, store, leptos_options).await?;
    app.run_until(shutdown_signal()).await;
    Ok(())
}

pub(crate) async fn demo(mut config: Config, leptos_options: LeptosOptions) -> CliResult {
    let store = connect(&config).await?;
    // A token made here is kept in the database, so the URLs stay the same from run to run.
    let demo_token = match &config.tokens {
        Some(_) => None,
        None => {
            let token = store.setting_or_insert("demo.token", &generate_token()).await?;
            config.tokens = Some(TokenSet::parse(&token)?);
            Some(token)
        }
    };
    // The demo is for trying things out: the preview is on unless BELCO_PREVIEW=off, with a token
    // of its own, kept like the demo's shop token.
    config.preview.get_or_insert(true);
    let demo_preview_token = match (&config.preview_token, config.preview) {
        (None, Some(true)) => {
            let token = store.setting_or_insert("demo.preview_token", &generate_token()).await?;
            config.preview_token = Some(TokenSet::parse(&token)?);
            Some(token)
        }
        _ => None,
    };
    if config.signer.is_none() {
        let key = store.setting_or_insert("demo.signing_key", &generate_token()).await?;
        config.signer = Some(Arc::new(Signer::new(&Secret::new(key), config.capability_lifetime)?));
    }
    if config.pseudonyms.is_none() {
        config.pseudonyms = Some(super::gdpr::demo_pseudonyms(&config, &store).await?);
    }
    log_forms(&config);
    let demo_secret = match &config.push {
        Some(_) => None,
        None => {
            let secret = store.setting_or_insert("demo.push_secret", &generate_secret()).await?;
            config.push = Some(Arc::new(PushVerifier::new(&Secret::new(secret.clone()))?));
            Some(secret)
        }
    };
    let added = crate::cli::demo::seed(&store, config.phone_region).await?;
    if added > 0 {
        println!("Added {added} demo orders for {} customers.", crate::cli::demo::CUSTOMERS.len());
    }
    print_urls(&config, &leptos_options, demo_token.as_deref(), demo_preview_token.as_deref());
    if let Some(secret) = demo_secret {
        println!("Push API secret (BELCO_PUSH_SECRET) of this demo: {secret}");
        println!(
            "  It signs POST /api/v1.0/orders per Standard Webhooks; the body says what to do: \
             {{\"orders\":[…]}} upserts, {{\"delete\":[\"ID\", …]}} deletes (see docs/operating.md, \
             \"Getting orders in\")."
        );
    }
    let (_, email, _) = crate::cli::demo::CUSTOMERS[0];
    println!("Try a demo customer: add &email={email} to either URL.\n");
    run(config, store, leptos_options).await
}

/// Says which forms file was read, so a shop that expected its forms sees why they are missing.
fn log_forms(config: &Config) {
    match &config.forms_path {
        Some(path) => tracing::info!(file = %path.display(), forms = config.forms.len(), "forms loaded"),
        None => {
            tracing::info!("no forms: BELCO_FORMS is unset and there is no {} here", crate::config::DEFAULT_FORMS_PATH)
        }
    }
}

/// Prints the two URLs to paste into Belco, and the preview's. A token is printed only when
/// `demo` made it; for configured tokens the URL shows where it goes.
fn print_urls(config: &Config, leptos_options: &LeptosOptions, token: Option<&str>, preview_token: Option<&str>) {
    let base = match &config.public_url {
        Some(url) => url.clone(),
        None => {
            let local = format!("http://{}", leptos_options.site_addr);
            tracing::warn!(
                "BELCO_PUBLIC_URL is not set, so these URLs use {local}, which Belco cannot reach. \
                 Set it to the https address of this server as seen from the internet."
            );
            local
        }
    };
    let token = token.unwrap_or("<a token from BELCO_TOKENS>");
    println!();
    println!("Paste into Belco, Settings → Integrations → Other:");
    println!("  Custom frame:  {base}/frame?token={token}");
    println!("  Custom orders: {base}/api/v1.0/orders?token={token}");
    if config.preview_on() {
        let local = crate::config::base_url(leptos_options.site_addr, None);
        println!();
        println!("See the panel as Belco shows it (BELCO_PREVIEW is on):");
        let preview_token = preview_token.unwrap_or("<BELCO_PREVIEW_TOKEN>");
        println!("  Preview:       {local}/preview?preview_token={preview_token}");
    }
    println!();
}
