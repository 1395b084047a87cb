//! Configuration, read from the environment (and a `.env` file, loaded by `main`). Every
//! variable is documented in docs/configuration.md and `.env.example`. No secret has a default; a bad value
//! is a startup error naming the variable.
//!
//! Every environment variable the server reads is read in this folder, one file per concern.
//! Aside: the compile-time `env!` of cargo's own variables, the `LEPTOS_*` variables Leptos
//! reads itself (`get_configuration`, in `main`), and `BELCO_PRINT_IMPORT_GRAPH`, a switch of the
//! `import_graph` test (set by `scripts/import-graph`), which no build of the server reads.
//!
//! - here: [`Config`], what the commands run with, read in one pass by [`Config::from_lookup`]
//!   in a fixed order (so a bad value is always reported as the same one), [`ConfigError`], and
//!   the two values that fit nowhere else, `DATABASE_URL` and `BELCO_PHONE_REGION`;
//! - `secrets`: the tokens, the push secret, the signing key and the capability lifetime, the
//!   pseudonym key, the preview's token, the metrics token;
//! - `urls`: the public URL, Belco's origin, and [`base_url`], where a command asks the server;
//! - `limits`: [`Limits`] (timeouts, concurrency, throttling, trusted proxies), the push body's
//!   size and the orders an answer lists;
//! - `features`: the preview, the access log and its retention, the metrics address, and
//!   [`Config`]'s "is it on?" answers;
//! - `forms`: the forms file and its [`Webhooks`];
//! - `locale`: the panel's language (`BELCO_LANGUAGE`) and the shop's time zone
//!   (`BELCO_TIMEZONE`);
//! - `units`: how durations, days, sizes and whole numbers are written;
//! - `logging`: read by `main` before anything else: [`Logging`] (`BELCO_LOG_FORMAT`,
//!   `RUST_LOG`, `NO_COLOR`);
//! - `site`: `LEPTOS_OUTPUT_NAME`, which `main` sets when the build did not;
//! - `client`: what `doctor` and `calls` read beside [`Config`] to call a running server.

mod client;
mod features;
mod forms;
mod limits;
mod locale;
mod logging;
mod secrets;
mod site;
mod units;
mod urls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use belco::capability::Signer;
use belco::forms::FormSet;
use belco::locale::Zone;
use belco::phone::{Region, parse_region};
use belco::pseudonym::Pseudonyms;
use belco::push::PushVerifier;
use belco::secret::{Secret, TokenSet};

pub use client::{database_url_is_set, doctor_ca, first_token, preview_token_to_send};
pub use features::DEFAULT_ACCESS_RETENTION;
pub use forms::{DEFAULT_FORMS_PATH, DEFAULT_WEBHOOK_TIMEOUT, Webhooks};
pub use limits::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_DB_ACQUIRE_TIMEOUT, DEFAULT_DB_STATEMENT_TIMEOUT, DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_REQUESTS_PER_CLIENT, DEFAULT_ORDERS_LIMIT,
    DEFAULT_PUSH_MAX_BYTES, DEFAULT_REQUEST_TIMEOUT, DEFAULT_TOKEN_FAILURES_PER_MINUTE, DEFAULT_WRITE_TIMEOUT, Limits,
};
pub use locale::{DEFAULT_LANGUAGE, DEFAULT_TIMEZONE};
pub use logging::{DEFAULT_LOG_FILTER, LogFormat, Logging};
pub use secrets::DEFAULT_CAPABILITY_LIFETIME;
pub use site::{SITE_OUTPUT_NAME, leptos_output_name_to_set};
pub use urls::{DEFAULT_BELCO_ORIGIN, base_url};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://belco-panel.db";

#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { var, problem: problem.into() }
}

#[derive(Clone)]
pub struct Config {
    /// May hold a password, hence a `Secret`.
    pub database_url: Secret,
    /// `None` when `BELCO_TOKENS` is unset: `serve` refuses to start, `demo` makes one.
    pub tokens: Option<TokenSet>,
    /// The https base Belco reaches, without a trailing slash; `None` when unset.
    pub public_url: Option<String>,
    pub belco_origin: String,
    /// `None` when `BELCO_PUSH_SECRET` is unset: the push API then refuses every request.
    pub push: Option<Arc<PushVerifier>>,
    /// The largest push body read (`BELCO_PUSH_MAX_BYTES`); a longer one gets 413.
    pub push_max_bytes: usize,
    pub phone_region: Region,
    pub orders_limit: i64,
    /// `None` when `BELCO_SIGNING_KEY` is unset: `serve` refuses to start, `demo` makes one.
    pub signer: Option<Arc<Signer>>,
    /// `BELCO_PSEUDONYM_KEY` (with the signing keys, for records from before it): keys the
    /// access log and the erasure records. `None` when unset: `serve` refuses to start while the
    /// access log is on, `demo` makes one, and the GDPR commands refuse to run.
    pub pseudonyms: Option<Arc<Pseudonyms>>,
    pub capability_lifetime: Duration,
    /// The forms file that was read, if any, and its forms.
    pub forms_path: Option<PathBuf>,
    pub forms: Arc<FormSet>,
    /// The server's own limits: timeouts, concurrency, failed-token throttling, trusted proxies.
    pub limits: Limits,
    /// `BELCO_METRICS_TOKEN`: `/metrics` on the main address, to a bearer of one of these.
    pub metrics_token: Option<Arc<TokenSet>>,
    /// `BELCO_METRICS_ADDR`: `/metrics` on an address of its own.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// `BELCO_PREVIEW` (`on`/`off`), `None` when unset: see [`Config::preview_on`].
    pub preview: Option<bool>,
    /// `BELCO_PREVIEW_TOKEN`: the preview's own token, never one of the shop's; `serve` refuses
    /// `BELCO_PREVIEW=on` without it, `demo` makes one.
    pub preview_token: Option<TokenSet>,
    /// `BELCO_ACCESS_LOG` (on unless `off`): every frame render and orders lookup is recorded.
    pub access_log: bool,
    /// `BELCO_ACCESS_RETENTION`: how long an access record is kept.
    pub access_retention: Duration,
    /// The forms' webhooks: their signing keys and how deliveries are attempted.
    pub webhooks: Webhooks,
    /// `BELCO_LANGUAGE`: the panel's language when nothing else decides it (`nl` unless set).
    pub language: &'static app::i18n::Locale,
    /// `BELCO_TIMEZONE`: the shop's zone, in which the panel shows times (`Europe/Amsterdam`
    /// unless set).
    pub timezone: Zone,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("tokens", &self.tokens)
            .field("public_url", &self.public_url)
            .field("belco_origin", &self.belco_origin)
            .field("push", &self.push.is_some())
            .field("push_max_bytes", &self.push_max_bytes)
            .field("phone_region", &self.phone_region)
            .field("orders_limit", &self.orders_limit)
            .field("signer", &self.signer)
            .field("pseudonyms", &self.pseudonyms)
            .field("forms_path", &self.forms_path)
            .field("forms", &self.forms.len())
            .field("limits", &self.limits)
            .field("metrics_token", &self.metrics_token)
            .field("metrics_addr", &self.metrics_addr)
            .field("preview", &self.preview)
            .field("preview_token", &self.preview_token)
            .field("access_log", &self.access_log)
            .field("access_retention", &self.access_retention)
            .field("webhook_secrets", &self.webhooks.signers.len())
            .field("webhook_schedule", &self.webhooks.schedule)
            .field("language", &self.language.code())
            .field("timezone", &self.timezone)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn from_process_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every variable through `get` (the process environment, or a map in tests). An empty
    /// value counts as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let get = &get;
        // In this order: with several bad values, the same one is reported first.
        let database_url = database_url(get)?;
        let tokens = secrets::tokens(get)?;
        let public_url = urls::public_url(get)?;
        let belco_origin = urls::belco_origin(get)?;
        let push = secrets::push(get)?;
        let push_max_bytes = limits::push_max_bytes(get)?;
        let phone_region = phone_region(get)?;
        let orders_limit = limits::orders_limit(get)?;
        let capability_lifetime = secrets::capability_lifetime(get)?;
        let signer = secrets::signer(get, capability_lifetime)?;
        let pseudonyms = secrets::pseudonyms(get, signer.clone())?;
        let limits = Limits::from_lookup(get)?;
        let metrics_token = secrets::metrics_token(get)?;
        let metrics_addr = features::metrics_addr(get)?;
        let preview = features::preview(get)?;
        let preview_token = secrets::preview_token(get, tokens.as_ref())?;
        let access_log = features::access_log(get)?;
        let access_retention = features::access_retention(get)?;
        let (forms_path, forms) = forms::forms(get)?;
        let webhooks = Webhooks::from_lookup(get, &forms)?;
        let language = locale::language(get)?;
        let timezone = locale::timezone(get)?;

        Ok(Self {
            database_url: Secret::new(database_url),
            tokens,
            public_url,
            belco_origin,
            push,
            push_max_bytes,
            phone_region,
            orders_limit,
            signer,
            pseudonyms,
            capability_lifetime,
            forms_path,
            forms: Arc::new(forms),
            limits,
            metrics_token,
            metrics_addr,
            preview,
            preview_token,
            access_log,
            access_retention,
            webhooks,
            language,
            timezone,
        })
    }
}

/// `DATABASE_URL`: SQLite or PostgreSQL, `sqlite://belco-panel.db` unless set.
fn database_url(get: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        return Err(bad("DATABASE_URL", "must start with sqlite: or postgres://"));
    }
    Ok(database_url)
}

/// `BELCO_PHONE_REGION`: where a phone number without a country code is from, `NL` unless set.
fn phone_region(get: &impl Fn(&str) -> Option<String>) -> Result<Region, ConfigError> {
    match get("BELCO_PHONE_REGION") {
        None => parse_region("NL").ok_or_else(|| bad("BELCO_PHONE_REGION", "NL is unknown")),
        Some(code) => parse_region(&code).ok_or_else(|| {
            bad("BELCO_PHONE_REGION", format!("{code:?} is not a two-letter region code such as NL, BE or DE"))
        }),
    }
}

/// A configuration read from `vars` alone, for the tests of every file here.
#[cfg(test)]
fn from_pairs(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: std::collections::HashMap<String, String> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[cfg(test)]
mod tests {
    use super::from_pairs as config;
    use super::*;

    #[test]
    fn defaults_hold_no_secret() {
        let c = config(&[]).unwrap();
        assert!(c.tokens.is_none() && c.push.is_none() && c.public_url.is_none() && c.signer.is_none());
        assert!(c.pseudonyms.is_none());
        assert_eq!(c.capability_lifetime, DEFAULT_CAPABILITY_LIFETIME);
        assert_eq!(c.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(c.belco_origin, "https://app.belco.io");
        assert_eq!(c.orders_limit, 50);
        assert_eq!(c.push_max_bytes, 2 * 1024 * 1024);
        assert!(c.limits.trusted_proxies.is_empty(), "no proxy is trusted by default");
        assert_eq!(c.limits.db_acquire_timeout, Duration::from_secs(1));
        assert_eq!((c.limits.max_requests_per_client, c.limits.max_connections), (256, 768));
        assert_eq!((c.limits.body_timeout, c.limits.write_timeout), (Duration::from_secs(10), Duration::from_secs(30)));
        assert!(
            c.limits.max_requests_per_client < c.limits.max_concurrent_requests,
            "one address never holds every slot"
        );
        assert!(c.limits.body_timeout < c.limits.request_timeout, "a stalled body gets the deadline's 408, not a 503");
    }

    #[test]
    fn every_bad_value_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("BELCO_TOKENS", "short"),
            ("BELCO_PUBLIC_URL", "not a url"),
            ("BELCO_PUBLIC_URL", "ftp://shop.example"),
            ("BELCO_PUBLIC_URL", "https://shop.example/?token=x"),
            ("BELCO_ORIGIN", "https://app.belco.io/path"),
            ("BELCO_ORIGIN", "app.belco.io"),
            ("BELCO_PUSH_SECRET", "hunter2"),
            ("BELCO_PUSH_MAX_BYTES", "huge"),
            ("BELCO_PHONE_REGION", "Netherlands"),
            ("BELCO_ORDERS_LIMIT", "0"),
            ("BELCO_ORDERS_LIMIT", "lots"),
            ("BELCO_SIGNING_KEY", "hunter2"),
            ("BELCO_CAPABILITY_LIFETIME", "30s"),
            ("BELCO_CAPABILITY_LIFETIME", "a day"),
            ("BELCO_CAPABILITY_LIFETIME", "169h"),
            ("BELCO_CAPABILITY_LIFETIME", "99999999999999999999"),
            ("BELCO_FORMS", "/nonexistent/forms.toml"),
            ("BELCO_HEADER_TIMEOUT", "0"),
            ("BELCO_REQUEST_TIMEOUT", "forever"),
            ("BELCO_REQUEST_TIMEOUT", "8d"),
            ("BELCO_MAX_CONCURRENT_REQUESTS", "0"),
            ("BELCO_DB_ACQUIRE_TIMEOUT", "-1s"),
            ("BELCO_DB_STATEMENT_TIMEOUT", "1.5s"),
            ("BELCO_TOKEN_FAILURES_PER_MINUTE", "none"),
            ("BELCO_TRUSTED_PROXIES", "10.0.0.0/8, my-proxy"),
            ("BELCO_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("BELCO_MAX_REQUESTS_PER_CLIENT", "0"),
            ("BELCO_MAX_REQUESTS_PER_CLIENT", "many"),
            ("BELCO_BODY_TIMEOUT", "0"),
            ("BELCO_BODY_TIMEOUT", "soon"),
            ("BELCO_BODY_TIMEOUT", "30s"),
            ("BELCO_BODY_TIMEOUT", "1m"),
            ("BELCO_WRITE_TIMEOUT", "8d"),
            ("BELCO_MAX_CONNECTIONS", "0"),
            ("BELCO_MAX_CONNECTIONS", "2000000"),
            ("BELCO_LANGUAGE", "fr"),
            ("BELCO_TIMEZONE", "Mars/Olympus"),
        ];
        for (var, value) in cases {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{value:?}");
            assert!(err.to_string().starts_with(var));
            if var == "BELCO_PUSH_SECRET" || var == "BELCO_SIGNING_KEY" {
                assert!(!err.to_string().contains(value), "the secret must not be echoed");
            }
        }
    }

    #[test]
    fn reads_good_values() {
        let c = config(&[
            ("BELCO_TOKENS", "aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb"),
            ("BELCO_PUBLIC_URL", "https://shop.example/belco/"),
            ("BELCO_ORIGIN", "https://belco.test:8443"),
            ("BELCO_PHONE_REGION", "be"),
            ("BELCO_ORDERS_LIMIT", "20"),
            ("DATABASE_URL", "postgres://u:p@localhost/db"),
            ("BELCO_SIGNING_KEY", "k".repeat(40).as_str()),
            ("BELCO_CAPABILITY_LIFETIME", "8h"),
            ("BELCO_FORMS", concat!(env!("CARGO_MANIFEST_DIR"), "/../forms.toml")),
        ])
        .unwrap();
        assert!(c.signer.is_some() && c.forms.len() >= 3);
        assert_eq!(c.capability_lifetime, Duration::from_secs(8 * 3600));
        assert_eq!(c.tokens.unwrap().len(), 2);
        assert_eq!(c.public_url.as_deref(), Some("https://shop.example/belco"));
        assert_eq!(c.belco_origin, "https://belco.test:8443");
        assert_eq!(c.orders_limit, 20);
        assert!(!format!("{:?}", config(&[("DATABASE_URL", "postgres://u:s3cret@h/db")]).unwrap()).contains("s3cret"));
    }
}
