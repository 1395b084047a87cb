//! The `belco-panel` subcommands.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use belco::capability::Signer;
use belco::import::{ImportError, Progress, import_file};
use belco::pseudonym::Pseudonyms;
use belco::push::{PushVerifier, generate_secret};
use belco::secret::{Secret, TokenSet, generate_token};
use belco::store::{Store, WriteCounts};
use leptos::config::LeptosOptions;

use crate::calls::printable;
use crate::config::Config;
use crate::state::AppState;

mod args;

pub use args::{Args, parse, write_completions};

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Demo,
    Import(PathBuf),
    Backup(PathBuf),
    Calls(Option<String>),
    Doctor(Option<String>),
    ExportCustomer(String),
    Access(String),
    EraseCustomer {
        who: String,
        confirmed: bool,
    },
    Deliveries {
        failed_only: bool,
    },
    RetryDeliveries(belco::store::RetryWhich),
    Token,
    Secret,
    /// A shell completion script, on standard output.
    Completions(clap_complete::Shell),
}

pub type CliResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run(command: Command, config: Config, leptos_options: LeptosOptions) -> CliResult {
    match command {
        Command::Completions(shell) => write_completions(shell, &mut std::io::stdout())?,
        Command::Token => println!("{}", generate_token()),
        Command::Secret => println!("{}", generate_secret()),
        Command::Import(path) => import(&config, &path).await?,
        Command::Backup(path) => backup(&config, &path).await?,
        Command::Calls(base) => calls(&leptos_options, base.as_deref()).await?,
        Command::ExportCustomer(who) => export_customer(&config, &who).await?,
        Command::Access(who) => access(&config, &who).await?,
        Command::Deliveries { failed_only } => deliveries(&config, failed_only).await?,
        Command::RetryDeliveries(which) => retry_deliveries(&config, &which).await?,
        Command::EraseCustomer { who, confirmed } => erase_customer(&config, &who, confirmed).await?,
        Command::Doctor(base) => {
            let report = crate::doctor::examine(&config, leptos_options.site_addr, base.as_deref()).await;
            print!("{}", report.render());
            if report.failed() > 0 {
                return Err(format!("{} of the doctor's checks failed", report.failed()).into());
            }
        }
        Command::Serve => {
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
            serve(config, store, leptos_options).await?;
        }
        Command::Demo => demo(config, leptos_options).await?,
    }
    Ok(())
}

async fn connect(config: &Config) -> Result<Store, Box<dyn std::error::Error>> {
    let store = Store::connect_with(config.database_url.expose(), config.limits.store_options())
        .await
        .map_err(|e| format!("DATABASE_URL: cannot open the database: {e}"))?;
    tracing::info!(storage = store.backend(), "database ready");
    Ok(store)
}

/// Serves until Ctrl-C or SIGTERM, then closes the store: on SQLite that checkpoints the WAL
/// into the database file and removes the `-wal` and `-shm` files.
pub async fn serve(config: Config, store: Store, leptos_options: LeptosOptions) -> CliResult {
    let addr = leptos_options.site_addr;
    let connections = crate::serve::Connections::from(&config.limits);
    let (access, writer) = match (&config.pseudonyms, config.access_log) {
        (Some(pseudonyms), true) => {
            let (log, writer) = crate::access::start(store.clone(), pseudonyms.clone(), config.access_retention);
            (Some(log), Some(writer))
        }
        _ => (None, None),
    };
    let deliverer = crate::deliveries::start(store.clone(), config.webhooks.clone());
    let webhook_timeout = config.webhooks.timeout;
    let state = AppState { leptos_options, store: store.clone(), config: Arc::new(config), access };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("LEPTOS_SITE_ADDR: cannot listen on {addr}: {e}"))?;
    let upkeep = (state.config.metrics_token.is_some() || state.config.metrics_addr.is_some())
        .then(|| tokio::spawn(crate::metrics::upkeep()));
    let metrics = match state.config.metrics_addr {
        Some(metrics_addr) => {
            let metrics_listener = tokio::net::TcpListener::bind(metrics_addr)
                .await
                .map_err(|e| format!("BELCO_METRICS_ADDR: cannot listen on {metrics_addr}: {e}"))?;
            // Its own listener, so its own failed-token throttle: a wrong bearer token there is
            // refused after the same number of tries as one on the main address.
            let limits = &state.config.limits;
            let throttle =
                crate::throttle::Throttle::new(limits.token_failures_per_minute, limits.trusted_proxies.clone());
            let router = crate::metrics_router(&store, state.config.metrics_token.clone())
                .layer(axum::middleware::from_fn_with_state(throttle, crate::throttle::failed_tokens));
            tracing::info!(addr = %metrics_addr, "metrics listening");
            Some(tokio::spawn(crate::serve::run_with(metrics_listener, router, connections, std::future::pending())))
        }
        None => None,
    };
    tracing::info!(%addr, "listening");
    crate::serve::run_with(listener, crate::app(state), connections, shutdown_signal()).await;
    for task in [metrics, upkeep].into_iter().flatten() {
        task.abort();
    }
    // The router, and with it the access log's queue, is gone: its last records are written.
    if let Some(writer) = writer {
        writer.finish(Duration::from_secs(5)).await;
    }
    // Webhook attempts under way are settled, so a receiver that answered is not sent it again.
    deliverer.finish(webhook_timeout + Duration::from_secs(2)).await;
    store.close().await;
    tracing::info!("storage closed");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

async fn demo(mut config: Config, leptos_options: LeptosOptions) -> CliResult {
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
        config.pseudonyms = Some(demo_pseudonyms(&config, &store).await?);
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
    let added = crate::demo::seed(&store, config.phone_region).await?;
    if added > 0 {
        println!("Added {added} demo orders for {} customers.", crate::demo::CUSTOMERS.len());
    }
    print_urls(&config, &leptos_options, demo_token.as_deref(), demo_preview_token.as_deref());
    if let Some(secret) = demo_secret {
        println!("Push API secret (BELCO_PUSH_SECRET) of this demo: {secret}");
        println!(
            "  It signs POST /api/v1.0/orders per Standard Webhooks; the body says what to do: \
             {{\"orders\":[…]}} upserts, {{\"delete\":[\"ID\", …]}} deletes (see README, Getting orders in)."
        );
    }
    let (_, email, _) = crate::demo::CUSTOMERS[0];
    println!("Try a demo customer: add &email={email} to either URL.\n");
    serve(config, store, leptos_options).await
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
        let local = crate::doctor::base_url(leptos_options.site_addr, None);
        println!();
        println!("See the panel as Belco shows it (BELCO_PREVIEW is on):");
        let preview_token = preview_token.unwrap_or("<BELCO_PREVIEW_TOKEN>");
        println!("  Preview:       {local}/preview?preview_token={preview_token}");
    }
    println!();
}

async fn import(config: &Config, path: &Path) -> CliResult {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
    let store = connect(config).await?;
    let progress = Arc::new(Progress::default());
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {percent:>3}% {binary_bytes}/{binary_total_bytes} {msg} ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                bar.set_position(progress.bytes_read.load(Ordering::Relaxed));
                bar.set_message(format!("{} orders", progress.orders_read.load(Ordering::Relaxed)));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = import_file(&store, path, config.phone_region, progress).await;
    ticker.abort();
    bar.finish_and_clear();
    let counts = result.map_err(|e| import_failure(path, &e))?;
    println!("{}", imported(path, counts, started.elapsed()));
    Ok(())
}

async fn backup(config: &Config, path: &Path) -> CliResult {
    // Opening would create an empty database at a mistyped path, and back that up.
    if let Some(file) = belco::store::sqlite_file(config.database_url.expose()).filter(|f| !f.exists()) {
        return Err(format!("DATABASE_URL names {}, which does not exist: nothing to back up", file.display()).into());
    }
    let store = connect(config).await?;
    let started = Instant::now();
    let result = store.backup_to(path).await;
    store.close().await;
    let summary = result?;
    println!(
        "Backed up to {} in {:.1} s: {} orders, {} notes, {} form submissions, {} bytes. \
         To restore, stop belco-panel and point DATABASE_URL at a copy of it (sqlite://{}).",
        path.display(),
        started.elapsed().as_secs_f64(),
        summary.orders,
        summary.notes,
        summary.submissions,
        summary.bytes,
        path.display()
    );
    Ok(())
}

/// The customer `who` names: an email address (it has an `@`) or else a phone number, normalized
/// as the panel normalizes Belco's.
fn customer_named(config: &Config, who: &str) -> Result<belco::identity::CustomerKey, String> {
    let (email, phone) = if who.contains('@') { (who, "") } else { ("", who) };
    let key = belco::phone::customer_key(email, phone, config.phone_region);
    if key.is_empty() {
        return Err(format!("{who:?} is not an email address or a phone number belco-panel can read"));
    }
    Ok(key)
}

/// `belco-panel customer export EMAIL|PHONE`: the JSON document, on standard output.
async fn export_customer(config: &Config, who: &str) -> CliResult {
    let key = customer_named(config, who)?;
    let store = connect(config).await?;
    let export = async {
        let pseudonyms = pseudonyms_of(config, &store).await?;
        Ok::<_, Box<dyn std::error::Error>>(store.export_customer(&key, &pseudonyms.of(&key)).await?)
    }
    .await;
    store.close().await;
    let export = export?;
    println!("{}", serde_json::to_string_pretty(&export)?);
    eprintln!(
        "Exported {} orders, {} notes, {} form submissions, {} webhook deliveries and {} access records.",
        export.orders.len(),
        export.notes.len(),
        export.form_submissions.len(),
        export.deliveries.len(),
        export.access_log.len()
    );
    Ok(())
}

/// The key the access log and the erasure records are keyed with: `BELCO_PSEUDONYM_KEY` (with
/// the configured signing keys, for records from before it), or the demo's, when it made one.
async fn pseudonyms_of(config: &Config, store: &Store) -> Result<Arc<Pseudonyms>, Box<dyn std::error::Error>> {
    if let Some(pseudonyms) = &config.pseudonyms {
        if config.signer.is_none() {
            eprintln!(
                "warning: BELCO_SIGNING_KEY is not set here: access records from before BELCO_PSEUDONYM_KEY (keyed \
                 with the signing key) are not found. Run this with the server's settings."
            );
        }
        return Ok(pseudonyms.clone());
    }
    if store.setting("demo.pseudonym_key").await?.is_some() {
        return demo_pseudonyms(config, store).await;
    }
    Err("BELCO_PSEUDONYM_KEY is not set: the access log and the erasure records are keyed-hashed with it, so it \
         must be the server's"
        .into())
}

/// The demo's pseudonym key, made once and kept with its other made-up secrets in its database
/// (demo data only: a real shop's key is never stored there, or a dump could test every email
/// against the hashes), with the demo's signing key for records from before it.
async fn demo_pseudonyms(config: &Config, store: &Store) -> Result<Arc<Pseudonyms>, Box<dyn std::error::Error>> {
    let key = store.setting_or_insert("demo.pseudonym_key", &generate_token()).await?;
    let earlier = match (&config.signer, store.setting("demo.signing_key").await?) {
        (Some(signer), _) => Some(signer.clone()),
        (None, Some(key)) => Some(Arc::new(Signer::new(&Secret::new(key), config.capability_lifetime)?)),
        (None, None) => None,
    };
    Ok(Arc::new(Pseudonyms::new(&Secret::new(key), earlier)?))
}

/// `belco-panel access EMAIL|PHONE`: the access log's records of one customer, newest first.
async fn access(config: &Config, who: &str) -> CliResult {
    let key = customer_named(config, who)?;
    let store = connect(config).await?;
    let records = async {
        let pseudonyms = pseudonyms_of(config, &store).await?;
        Ok::<_, Box<dyn std::error::Error>>(store.accesses(&pseudonyms.of(&key), 1000).await?)
    }
    .await;
    store.close().await;
    let records = records?;
    print!("{}", access_table(&records, config.access_retention));
    Ok(())
}

/// `belco-panel deliveries [--failed]`: the newest 100.
async fn deliveries(config: &Config, failed_only: bool) -> CliResult {
    let store = connect(config).await?;
    let state = failed_only.then_some(belco::store::DeliveryState::Failed);
    let listed = store.deliveries(state, 100).await;
    store.close().await;
    print!("{}", deliveries_table(&listed?, failed_only));
    Ok(())
}

/// The deliveries as `belco-panel deliveries` prints them; the last answer is the receiver's
/// text, so it is made printable.
fn deliveries_table(deliveries: &[belco::store::Delivery], failed_only: bool) -> String {
    let mut out = format!(
        "{:<26} {:<20} {:<24} {:<9} {:>8}  {}\n",
        "webhook-id", "form", "sent (UTC)", "state", "attempts", "last answer / next attempt"
    );
    for d in deliveries {
        let status = d.last_status.map(|s| format!("{s} ")).unwrap_or_default();
        let last = match (&d.last_error, d.state) {
            (_, belco::store::DeliveryState::Delivered) => format!("{status}delivered"),
            (None, _) => "not attempted yet".to_owned(),
            (Some(error), _) => printable(error),
        };
        let next = match d.state {
            belco::store::DeliveryState::Pending => {
                format!("; next attempt {}", belco::time::format_instant(d.next_attempt_at))
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "{:<26} {:<20} {:<24} {:<9} {:>8}  {last}{next}\n",
            printable(&d.id),
            printable(&d.form_id),
            belco::time::format_instant(d.created_at),
            d.state.as_str(),
            d.attempts,
        ));
    }
    if deliveries.is_empty() {
        out.push_str(if failed_only { "(no failed deliveries)\n" } else { "(no form webhooks were sent)\n" });
    }
    out
}

/// `belco-panel deliveries retry ID|--failed`.
async fn retry_deliveries(config: &Config, which: &belco::store::RetryWhich) -> CliResult {
    let store = connect(config).await?;
    let started = store.retry_deliveries(which, belco::store::now_millis()).await;
    store.close().await;
    match (started?, which) {
        (0, belco::store::RetryWhich::One(id)) => {
            return Err(format!("no delivery {id:?} waits for a retry (see belco-panel deliveries)").into());
        }
        (0, _) => println!("No failed deliveries to retry."),
        (n, _) => println!(
            "Started {n} deliveries over: a running belco-panel attempts them within a second, with up to {} attempts \
             each.",
            config.webhooks.schedule.attempts
        ),
    }
    Ok(())
}

/// The records as `belco-panel access` prints them; their texts came with requests, so they are
/// made printable.
fn access_table(records: &[belco::store::AccessRecord], retention: Duration) -> String {
    let mut out = format!(
        "{:<24} {:<10} {:>6} {:<39} {:>6}  {}\n",
        "time (UTC)", "route", "status", "client", "orders", "outcome"
    );
    for r in records {
        out.push_str(&format!(
            "{:<24} {:<10} {:>6} {:<39} {:>6}  {}\n",
            belco::time::format_instant(r.at),
            printable(&r.route),
            r.status,
            printable(&r.client),
            r.orders.map_or("-".into(), |n| n.to_string()),
            printable(&r.outcome)
        ));
    }
    if records.is_empty() {
        out.push_str(&format!(
            "(nobody looked this customer up in the last {} days, or the access log is off)\n",
            retention.as_secs() / 86_400
        ));
    }
    out
}

/// `belco-panel customer erase EMAIL|PHONE [--yes]`: what will go, a confirmation, then all of
/// it in one transaction.
async fn erase_customer(config: &Config, who: &str, confirmed: bool) -> CliResult {
    let key = customer_named(config, who)?;
    let store = connect(config).await?;
    let result = erase(config, &store, &key, who, confirmed).await;
    store.close().await;
    result
}

async fn erase(
    config: &Config,
    store: &Store,
    key: &belco::identity::CustomerKey,
    who: &str,
    confirmed: bool,
) -> CliResult {
    let pseudonyms = pseudonyms_of(config, store).await?;
    let hashed = pseudonyms.of(key);
    let held = store.export_customer(key, &hashed).await?;
    let (orders, notes, submissions) = (held.orders.len(), held.notes.len(), held.form_submissions.len());
    let (accesses, deliveries) = (held.access_log.len(), held.deliveries.len());
    if orders + notes + submissions + accesses == 0 {
        // An erasure whose clearing could not finish (a busy checkpoint) finishes here.
        let scrubbed = store.leave_no_trace().await.map_err(|e| unfinished(who, e))?;
        println!("Nothing is held about {who}: nothing to erase.");
        if let Some(took) = scrubbed.rewritten {
            println!("{}", rewritten(took));
        }
        return Ok(());
    }
    if !confirmed {
        eprint!(
            "This deletes {orders} orders, {notes} notes, {submissions} form submissions (and {deliveries} of their \
             webhook deliveries) and {accesses} access records of {who}, for good.\nType erase to go on: "
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if answer.trim() != "erase" {
            return Err("not confirmed: nothing was erased".into());
        }
    }
    let erased = store.erase_customer(key, &hashed).await.map_err(|e| unfinished(who, e))?;
    println!(
        "Erased {} orders, {} notes, {} form submissions, {} webhook deliveries and {} access records of {who}. Kept: \
         a record of the erasure, with the identifiers keyed-hashed. Orders your shop pushes or imports for them later \
         are stored again.",
        erased.orders, erased.notes, erased.submissions, erased.deliveries, erased.accesses
    );
    if let Some(took) = erased.rewritten {
        println!("{}", rewritten(took));
    }
    match store.backend() {
        "SQLite" => println!(
            "Their bytes were zeroed and the write-ahead log emptied: no database file holds a trace of them (backups \
             taken before still do)."
        ),
        _ => println!(
            "PostgreSQL: no query finds them any more; their bytes stay in the table files until VACUUM reuses the \
             space, and in the WAL until its segments are recycled (README, \"Customer data and the GDPR\")."
        ),
    }
    Ok(())
}

/// What `customer erase` says when it rewrote a database older than secure deletion.
fn rewritten(took: Duration) -> String {
    format!(
        "The database file was rewritten once (VACUUM, {:.1} s) so that pages freed before this version of \
         belco-panel (which zeroes deleted data as it goes) hold nothing; later erasures need no rewrite.",
        took.as_secs_f64()
    )
}

/// An erasure whose rows are gone but whose bytes may remain, with what to do about it.
fn unfinished(who: &str, e: belco::store::StoreError) -> Box<dyn std::error::Error> {
    match e {
        belco::store::StoreError::Traces(why) => format!(
            "erasing {who}: {why}. Stop belco-panel (or retry when nothing is using the database) and run \
             `belco-panel customer erase {who}` again: it finds nothing left to delete and clears the rest"
        )
        .into(),
        e => e.into(),
    }
}

/// `belco-panel calls [URL]`: the inspector's list, from the server at URL.
async fn calls(leptos_options: &LeptosOptions, base: Option<&str>) -> CliResult {
    let Some(token) = crate::doctor::first_token() else {
        return Err("BELCO_TOKENS is not set: `calls` asks the server with one of its tokens".into());
    };
    let local = base.is_none();
    let base = crate::doctor::base_url(leptos_options.site_addr, base);
    let url = url::Url::parse_with_params(&format!("{base}/api/inspector/calls"), [("token", token.as_str())])
        .map_err(|e| format!("{base} is not a URL: {e}"))?;
    // Only where the token does not cross a network in clear: the default (LEPTOS_SITE_ADDR) too,
    // which a .env copied from another machine may point elsewhere.
    crate::doctor::token_may_go_to(&url).map_err(|why| {
        let hint =
            if local { "set LEPTOS_SITE_ADDR to this machine's server" } else { "run it on the server's machine" };
        format!("not asking {base}: {why}, or {hint}")
    })?;
    // Errors name the base, never the URL: it carries the token.
    let client = crate::doctor::http_client()?;
    let response = client.get(url).send().await.map_err(|e| format!("cannot reach {base}: {}", e.without_url()))?;
    match response.status().as_u16() {
        200 => {}
        401 => return Err(format!("{base} refused the token: BELCO_TOKENS here holds none of the server's").into()),
        404 => return Err(format!("{base} has no inspector (an older belco-panel, or not belco-panel)").into()),
        status => return Err(format!("{base} answered {status}").into()),
    }
    let listing: crate::calls::CallsListing = response
        .json()
        .await
        .map_err(|e| format!("{base} answered something else than the calls: {}", e.without_url()))?;
    print!("{}", crate::calls::table(&listing.calls, listing.refused_before_the_token_check));
    if !listing.refused.is_empty() {
        println!(
            "\nRefused, the token missing or wrong: {} since the server started, the newest {}:",
            listing.refused_total,
            listing.refused.len()
        );
        print!("{}", crate::calls::table(&listing.refused, 0));
    }
    Ok(())
}

/// What `import` says when it is done: how many orders were written, and how many were skipped
/// because the database already had them newer (or deleted later).
fn imported(path: &Path, counts: WriteCounts, took: Duration) -> String {
    let mut line =
        format!("Imported {} orders from {} in {:.1} s.", counts.upserted, path.display(), took.as_secs_f64());
    if counts.stale > 0 {
        line.push_str(&format!(
            " Skipped {} that the database holds in a newer version (a later updatedAt) or that were deleted since.",
            counts.stale
        ));
    }
    line
}

/// What `import` says when it fails: whether anything was stored depends on when it failed.
fn import_failure(path: &Path, e: &ImportError) -> String {
    if e.nothing_stored() {
        format!("import of {} stopped, nothing was stored: {e}", path.display())
    } else {
        format!("import of {}: {e}", path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_that_failed_after_its_commit_does_not_say_nothing_was_stored() {
        let path = Path::new("orders.json");
        let counts = WriteCounts { upserted: 12, stale: 3, ..WriteCounts::default() };
        let source = belco::store::StoreError::UnknownScheme("checkpoint".into());
        let after = import_failure(path, &ImportError::AfterCommit { counts, source });
        assert!(after.contains("all 12 orders were stored") && !after.contains("nothing was stored"), "{after}");
        let before = import_failure(path, &ImportError::NoOrders);
        assert!(before.contains("nothing was stored"), "{before}");
        let done = imported(path, counts, Duration::from_millis(1500));
        assert!(
            done.starts_with("Imported 12 orders from orders.json in 1.5 s.") && done.contains("Skipped 3"),
            "{done}"
        );
    }

    #[test]
    fn the_access_table_prints_no_controls_from_a_request() {
        let hostile = "\u{1b}[2J\u{1b}]8;;http://evil\u{7}x\u{9b}\u{202E}\r\n\t";
        let record = belco::store::AccessRecord {
            at: 0,
            route: hostile.into(),
            email_hash: None,
            phone_hash: None,
            orders: None,
            client: hostile.into(),
            status: 400,
            outcome: hostile.into(),
        };
        let out = access_table(&[record], Duration::from_secs(86_400));
        assert_eq!(out.lines().count(), 2, "{out:?}");
        assert!(out.chars().all(|c| c == '\n' || (!c.is_control() && c != '\u{202E}')), "{out:?}");
    }
}
