//! Configuration, read from the environment (and a `.env` file, loaded by `main`). Every
//! variable is documented in the README and `.env.example`. No secret has a default; a bad value
//! is a startup error naming the variable.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use belco::capability::{Signer, parse_lifetime};
use belco::deliveries::{Schedule, WebhookSigner};
use belco::forms::FormSet;
use belco::phone::{Region, parse_region};
use belco::pseudonym::Pseudonyms;
use belco::push::PushVerifier;
use belco::secret::{Secret, TokenSet};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://belco-panel.db";
pub const DEFAULT_BELCO_ORIGIN: &str = "https://app.belco.io";
pub const DEFAULT_ORDERS_LIMIT: i64 = 50;
/// A working day: a panel left open all day keeps working; the next morning it asks for a reload.
pub const DEFAULT_CAPABILITY_LIFETIME: Duration = Duration::from_secs(10 * 3600);
/// Read from the working directory when `BELCO_FORMS` is unset (and skipped if absent).
pub const DEFAULT_FORMS_PATH: &str = "forms.toml";
const MAX_ORDERS_LIMIT: i64 = 1000;
/// A push body's default limit: a batch of about a thousand orders (1 to 2 KB each, with their
/// products). Larger loads go through `belco-panel import`.
pub const DEFAULT_PUSH_MAX_BYTES: usize = 2 * 1024 * 1024;
/// `BELCO_PUSH_MAX_BYTES` may range from 1 KiB to 64 MiB.
const PUSH_MAX_BYTES_RANGE: std::ops::RangeInclusive<usize> = 1024..=64 * 1024 * 1024;
/// A client has this long to send a request's headers (and an idle keep-alive connection this
/// long to start its next request) before the connection is closed: slowloris protection.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a request may take, body and storage included, before it gets a 503.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests served at once; the next one gets a 503 at once instead of queueing.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 512;
/// Requests in flight from one client address; the next gets a 429 at once. Far above what a
/// support team behind one office address makes (40 agents loading frames, their files and notes
/// at once: under 300 at the very worst), and half the global cap, so one address never takes
/// every slot. Behind a proxy that is not in `BELCO_TRUSTED_PROXIES` every client is the proxy,
/// so this is then a second global cap.
pub const DEFAULT_MAX_REQUESTS_PER_CLIENT: usize = 256;
/// How long a body read before authentication (a push's, a server function's) may take to
/// arrive; then 408, counted as a failed token check. 2 MiB (the push default) in 10 s needs
/// 1.7 Mbit/s; a shop's backend has more, and a note or a form is a few kilobytes.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server waits for a client to take any of a response it is sending before it
/// closes the connection (a client that stopped reading). Progress restarts the wait.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections open at once; the next waits (in the kernel's queue) until one closes. Below the
/// usual 1,024 open files a service may hold, with room for the database and the log; above
/// what 40 agents' browsers open (six each at most) with the global request cap.
pub const DEFAULT_MAX_CONNECTIONS: usize = 768;
/// PostgreSQL: how long a request waits for a connection before it answers 503.
pub const DEFAULT_DB_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// PostgreSQL: the longest one statement may run (the server-side `statement_timeout`).
pub const DEFAULT_DB_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Failed token checks one client address may make per minute before it gets 429s.
pub const DEFAULT_TOKEN_FAILURES_PER_MINUTE: u32 = 10;
/// How long the access log keeps a record.
pub const DEFAULT_ACCESS_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

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
}

/// What the delivery task needs to send the forms' webhooks (`server/src/deliveries.rs`).
#[derive(Clone, Debug)]
pub struct Webhooks {
    /// Each secret a form of the forms file names, read from the variable of that name, by name.
    pub signers: Arc<std::collections::HashMap<String, WebhookSigner>>,
    /// `BELCO_WEBHOOK_ATTEMPTS` and `BELCO_WEBHOOK_RETRY`: when failed deliveries are tried again.
    pub schedule: Schedule,
    /// `BELCO_WEBHOOK_TIMEOUT`: the longest one attempt may take, connecting included.
    pub timeout: Duration,
}

/// How long one webhook attempt may take unless `BELCO_WEBHOOK_TIMEOUT` says otherwise.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

impl Webhooks {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>, forms: &FormSet) -> Result<Self, ConfigError> {
        let mut signers = std::collections::HashMap::new();
        for (form, target) in forms.webhooks() {
            if signers.contains_key(&target.secret) {
                continue;
            }
            let Some(secret) = get(&target.secret).filter(|value| !value.trim().is_empty()) else {
                return Err(bad(
                    "BELCO_FORMS",
                    format!(
                        "form {form:?} signs its webhook with the secret in {}, which is not set \
                         (make one with `belco-panel secret`)",
                        target.secret
                    ),
                ));
            };
            let signer = WebhookSigner::new(&Secret::new(secret)).map_err(|e| {
                bad("BELCO_FORMS", format!("{} (the webhook secret of form {form:?}) {e}", target.secret))
            })?;
            signers.insert(target.secret.clone(), signer);
        }
        let defaults = Schedule::default();
        let schedule = Schedule {
            attempts: whole(get, "BELCO_WEBHOOK_ATTEMPTS", defaults.attempts as usize, 100)? as u32,
            first_retry: duration(get, "BELCO_WEBHOOK_RETRY", defaults.first_retry)?,
            max_delay: defaults.max_delay,
        };
        let timeout = duration(get, "BELCO_WEBHOOK_TIMEOUT", DEFAULT_WEBHOOK_TIMEOUT)?;
        if timeout > Duration::from_secs(300) {
            return Err(bad("BELCO_WEBHOOK_TIMEOUT", "must be at most 5 minutes"));
        }
        Ok(Self { signers: Arc::new(signers), schedule, timeout })
    }
}

/// The limits that keep one client (or a storage outage) from holding the server
/// (`BELCO_HEADER_TIMEOUT`, `BELCO_REQUEST_TIMEOUT`, `BELCO_MAX_CONCURRENT_REQUESTS`,
/// `BELCO_DB_ACQUIRE_TIMEOUT`, `BELCO_DB_STATEMENT_TIMEOUT`, `BELCO_TOKEN_FAILURES_PER_MINUTE`,
/// `BELCO_TRUSTED_PROXIES`, `BELCO_MAX_REQUESTS_PER_CLIENT`, `BELCO_BODY_TIMEOUT`,
/// `BELCO_WRITE_TIMEOUT`, `BELCO_MAX_CONNECTIONS`).
#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_concurrent_requests: usize,
    pub max_requests_per_client: usize,
    /// The deadline of a body read before authentication; best below `request_timeout`, whose 503
    /// otherwise comes first.
    pub body_timeout: Duration,
    pub write_timeout: Duration,
    pub max_connections: usize,
    pub db_acquire_timeout: Duration,
    pub db_statement_timeout: Duration,
    pub token_failures_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed; empty (the default) believes none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_requests_per_client: DEFAULT_MAX_REQUESTS_PER_CLIENT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            db_acquire_timeout: DEFAULT_DB_ACQUIRE_TIMEOUT,
            db_statement_timeout: DEFAULT_DB_STATEMENT_TIMEOUT,
            token_failures_per_minute: DEFAULT_TOKEN_FAILURES_PER_MINUTE,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Limits {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut limits = Self::read(get)?;
        // A body still arriving when the request's own deadline ends gets that deadline's 503,
        // which the throttle does not count: stalling would cost nothing. Unset, the body's
        // deadline stays within the request's; set, it must be.
        if get("BELCO_BODY_TIMEOUT").is_none() {
            limits.body_timeout = limits.body_timeout.min(limits.request_timeout / 2);
        }
        if limits.body_timeout >= limits.request_timeout {
            return Err(bad(
                "BELCO_BODY_TIMEOUT",
                format!(
                    "must be shorter than BELCO_REQUEST_TIMEOUT ({} s), so that a stalled body gets its 408 and counts \
                     as a failed check",
                    limits.request_timeout.as_secs()
                ),
            ));
        }
        Ok(limits)
    }

    fn read(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Limits::default();
        Ok(Self {
            header_timeout: duration(get, "BELCO_HEADER_TIMEOUT", d.header_timeout)?,
            request_timeout: duration(get, "BELCO_REQUEST_TIMEOUT", d.request_timeout)?,
            max_concurrent_requests: whole(get, "BELCO_MAX_CONCURRENT_REQUESTS", d.max_concurrent_requests, 100_000)?,
            max_requests_per_client: whole(get, "BELCO_MAX_REQUESTS_PER_CLIENT", d.max_requests_per_client, 100_000)?,
            body_timeout: duration(get, "BELCO_BODY_TIMEOUT", d.body_timeout)?,
            write_timeout: duration(get, "BELCO_WRITE_TIMEOUT", d.write_timeout)?,
            max_connections: whole(get, "BELCO_MAX_CONNECTIONS", d.max_connections, 1_000_000)?,
            db_acquire_timeout: duration(get, "BELCO_DB_ACQUIRE_TIMEOUT", d.db_acquire_timeout)?,
            db_statement_timeout: duration(get, "BELCO_DB_STATEMENT_TIMEOUT", d.db_statement_timeout)?,
            token_failures_per_minute: whole(
                get,
                "BELCO_TOKEN_FAILURES_PER_MINUTE",
                d.token_failures_per_minute as usize,
                10_000,
            )? as u32,
            trusted_proxies: match get("BELCO_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(list) => parse_proxies(&list)?,
            },
        })
    }

    pub fn store_options(&self) -> belco::store::StoreOptions {
        belco::store::StoreOptions {
            acquire_timeout: self.db_acquire_timeout,
            statement_timeout: self.db_statement_timeout,
        }
    }
}

/// A duration variable (`10s`, `2m`, `1h`; a bare number is seconds), from a second to a week.
fn duration(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => parse_lifetime(&raw)
            .ok_or_else(|| bad(var, format!("{raw:?} is not a duration such as 10s, 2m or 1h (a second to a week)"))),
    }
}

/// A whole number from 1 to `max`.
fn whole(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: usize,
    max: usize,
) -> Result<usize, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| bad(var, format!("{raw:?} is not a whole number from 1 to {max}"))),
    }
}

/// `BELCO_TRUSTED_PROXIES`: IP addresses and CIDR ranges, comma-separated.
fn parse_proxies(list: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>().or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from)).map_err(
                |_| {
                    bad("BELCO_TRUSTED_PROXIES", format!("{item:?} is not an IP address or a range such as 10.0.0.0/8"))
                },
            )
        })
        .collect()
}

/// How the log is written (`BELCO_LOG_FORMAT`): lines for people (the default), or one JSON
/// object per line for a log collector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// Read before the rest of the configuration, since the log starts first. Empty is unset.
    pub fn from_env_value(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(bad("BELCO_LOG_FORMAT", format!("{other:?} is neither text nor json"))),
        }
    }
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
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Whether `/preview` is served: as `BELCO_PREVIEW` says, else in a development (debug)
    /// build and not in a release build; `belco-panel demo` turns it on unless it is `off`.
    /// Never without its own token (`BELCO_PREVIEW_TOKEN`).
    /// Whether `/metrics` is served (with a token on the main address, or on an address of its
    /// own): off, nothing is recorded.
    pub fn metrics_on(&self) -> bool {
        self.metrics_token.is_some() || self.metrics_addr.is_some()
    }

    pub fn preview_on(&self) -> bool {
        self.preview.unwrap_or(cfg!(debug_assertions)) && self.preview_token.is_some()
    }

    /// The preview's token, while the preview is on.
    pub fn preview_tokens(&self) -> Option<&TokenSet> {
        self.preview_token.as_ref().filter(|_| self.preview_on())
    }

    pub fn from_process_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every variable through `get` (the process environment, or a map in tests). An empty
    /// value counts as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad("DATABASE_URL", "must start with sqlite: or postgres://"));
        }

        let tokens = get("BELCO_TOKENS")
            .map(|list| TokenSet::parse(&list).map_err(|e| bad("BELCO_TOKENS", e.to_string())))
            .transpose()?;

        let public_url = get("BELCO_PUBLIC_URL").map(|raw| parse_base_url(&raw)).transpose()?;

        let belco_origin = match get("BELCO_ORIGIN") {
            None => DEFAULT_BELCO_ORIGIN.to_owned(),
            Some(raw) => parse_origin(&raw)?,
        };

        let push = get("BELCO_PUSH_SECRET")
            .map(|raw| {
                PushVerifier::new(&Secret::new(raw)).map(Arc::new).map_err(|e| bad("BELCO_PUSH_SECRET", e.to_string()))
            })
            .transpose()?;

        let push_max_bytes = match get("BELCO_PUSH_MAX_BYTES") {
            None => DEFAULT_PUSH_MAX_BYTES,
            Some(raw) => parse_bytes(&raw).filter(|n| PUSH_MAX_BYTES_RANGE.contains(n)).ok_or_else(|| {
                bad("BELCO_PUSH_MAX_BYTES", format!("{raw:?} is not a size from 1KiB to 64MiB, such as 2MiB or 500000"))
            })?,
        };

        let phone_region = match get("BELCO_PHONE_REGION") {
            None => parse_region("NL").ok_or_else(|| bad("BELCO_PHONE_REGION", "NL is unknown"))?,
            Some(code) => parse_region(&code).ok_or_else(|| {
                bad("BELCO_PHONE_REGION", format!("{code:?} is not a two-letter region code such as NL, BE or DE"))
            })?,
        };

        let orders_limit = match get("BELCO_ORDERS_LIMIT") {
            None => DEFAULT_ORDERS_LIMIT,
            Some(raw) => raw.parse::<i64>().ok().filter(|n| (1..=MAX_ORDERS_LIMIT).contains(n)).ok_or_else(|| {
                bad("BELCO_ORDERS_LIMIT", format!("{raw:?} is not a whole number from 1 to {MAX_ORDERS_LIMIT}"))
            })?,
        };

        let capability_lifetime = match get("BELCO_CAPABILITY_LIFETIME") {
            None => DEFAULT_CAPABILITY_LIFETIME,
            Some(raw) => parse_lifetime(&raw).filter(|d| *d >= Duration::from_secs(60)).ok_or_else(|| {
                bad(
                    "BELCO_CAPABILITY_LIFETIME",
                    format!("{raw:?} is not a duration from a minute to a week (168h), such as 10h or 90m"),
                )
            })?,
        };
        let signer = get("BELCO_SIGNING_KEY")
            .map(|raw| {
                Signer::new(&Secret::new(raw), capability_lifetime)
                    .map(Arc::new)
                    .map_err(|e| bad("BELCO_SIGNING_KEY", e.to_string()))
            })
            .transpose()?;

        let pseudonyms = get("BELCO_PSEUDONYM_KEY")
            .map(|raw| {
                Pseudonyms::new(&Secret::new(raw), signer.clone())
                    .map(Arc::new)
                    .map_err(|e| bad("BELCO_PSEUDONYM_KEY", e.to_string()))
            })
            .transpose()?;

        let limits = Limits::from_lookup(&get)?;

        let metrics_token = get("BELCO_METRICS_TOKEN")
            .map(|list| TokenSet::parse(&list).map(Arc::new).map_err(|e| bad("BELCO_METRICS_TOKEN", e.to_string())))
            .transpose()?;
        let metrics_addr = get("BELCO_METRICS_ADDR")
            .map(|raw| {
                raw.parse::<std::net::SocketAddr>().map_err(|_| {
                    bad("BELCO_METRICS_ADDR", format!("{raw:?} is not an address with a port, such as 127.0.0.1:9464"))
                })
            })
            .transpose()?;

        let preview = get("BELCO_PREVIEW")
            .map(|raw| match raw.to_ascii_lowercase().as_str() {
                "on" | "true" | "1" | "yes" => Ok(true),
                "off" | "false" | "0" | "no" => Ok(false),
                _ => Err(bad("BELCO_PREVIEW", format!("{raw:?} is neither on nor off"))),
            })
            .transpose()?;

        let preview_token = get("BELCO_PREVIEW_TOKEN").map(|raw| preview_token(&raw, tokens.as_ref())).transpose()?;

        let access_log = match get("BELCO_ACCESS_LOG").map(|raw| raw.to_ascii_lowercase()).as_deref() {
            None | Some("on" | "true" | "1" | "yes") => true,
            Some("off" | "false" | "0" | "no") => false,
            Some(other) => return Err(bad("BELCO_ACCESS_LOG", format!("{other:?} is neither on nor off"))),
        };
        let access_retention = match get("BELCO_ACCESS_RETENTION") {
            None => DEFAULT_ACCESS_RETENTION,
            Some(raw) => parse_days(&raw).ok_or_else(|| {
                bad("BELCO_ACCESS_RETENTION", format!("{raw:?} is not a number of days from 1 to 3650, such as 90d"))
            })?,
        };

        let (forms_path, forms) = match get("BELCO_FORMS") {
            Some(path) => {
                let path = PathBuf::from(path);
                let forms = FormSet::load(&path).map_err(|e| bad("BELCO_FORMS", e.to_string()))?;
                (Some(path), forms)
            }
            // The default file is optional: without it the panels simply show no forms.
            None if Path::new(DEFAULT_FORMS_PATH).exists() => {
                let path = PathBuf::from(DEFAULT_FORMS_PATH);
                let forms = FormSet::load(&path).map_err(|e| bad("BELCO_FORMS", e.to_string()))?;
                (Some(path), forms)
            }
            None => (None, FormSet::empty()),
        };
        let webhooks = Webhooks::from_lookup(&get, &forms)?;

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
        })
    }
}

/// `BELCO_PREVIEW_TOKEN`: one token, as a shop token is written, and none of the shop's: whoever
/// holds a shop token (it is in every agent's iframe URL) must not open the preview with it.
fn preview_token(raw: &str, shop: Option<&TokenSet>) -> Result<TokenSet, ConfigError> {
    const VAR: &str = "BELCO_PREVIEW_TOKEN";
    if raw.contains(',') {
        return Err(bad(VAR, "holds one token, not a list"));
    }
    let token = TokenSet::parse(raw).map_err(|e| bad(VAR, e.to_string()))?;
    if shop.is_some_and(|shop| shop.accepts(Some(raw.as_bytes()))) {
        return Err(bad(VAR, "is one of BELCO_TOKENS: give the preview a token of its own (belco-panel token)"));
    }
    Ok(token)
}

/// Whole days, `90d` or `90`, from 1 to 3650.
fn parse_days(raw: &str) -> Option<Duration> {
    let days = raw.strip_suffix('d').unwrap_or(raw).trim().parse::<u64>().ok().filter(|d| (1..=3650).contains(d))?;
    Some(Duration::from_secs(days * 24 * 3600))
}

/// A size in bytes: `500000`, `512KiB`, `2MiB` (binary units; a space before the unit is fine).
fn parse_bytes(raw: &str) -> Option<usize> {
    let digits = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(digits);
    let scale = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1024,
        "MiB" => 1024 * 1024,
        _ => return None,
    };
    number.parse::<usize>().ok()?.checked_mul(scale)
}

fn parse_base_url(raw: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| bad("BELCO_PUBLIC_URL", format!("{raw:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("BELCO_PUBLIC_URL", "must be an https:// URL, e.g. https://shop.example/belco"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad("BELCO_PUBLIC_URL", "must be a base URL without query, fragment or credentials"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn parse_origin(raw: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| bad("BELCO_ORIGIN", format!("{raw:?} is not an origin: {e}")))?;
    let origin = url.origin();
    if !origin.is_tuple() || url.path() != "/" || url.query().is_some() {
        return Err(bad("BELCO_ORIGIN", format!("{raw:?} must be a bare origin such as https://app.belco.io")));
    }
    Ok(origin.ascii_serialization())
}

/// The server to ask: `base` as given, or this machine's (`LEPTOS_SITE_ADDR`; one listening on
/// every interface, 0.0.0.0, is asked on the loopback). Shared by the doctor, `belco-panel calls` and the preview.
pub fn base_url(site_addr: std::net::SocketAddr, base: Option<&str>) -> String {
    let site_addr = match site_addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => std::net::SocketAddr::from(([127, 0, 0, 1], site_addr.port())),
        ip if ip.is_unspecified() => std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, site_addr.port())),
        _ => site_addr,
    };
    base.map_or_else(|| format!("http://{site_addr}"), |b| b.trim().trim_end_matches('/').to_owned())
}

/// The token the CLI calls the server with: the first of `BELCO_TOKENS` (`TokenSet` keeps only
/// digests, so it is read from the environment).
pub fn first_token() -> Option<String> {
    let list = std::env::var("BELCO_TOKENS").ok()?;
    list.split(',').map(str::trim).find(|t| !t.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn the_pseudonym_key_is_one_long_key() {
        let key = "p".repeat(32);
        let c = config(&[("BELCO_PSEUDONYM_KEY", &key), ("BELCO_SIGNING_KEY", &"s".repeat(32))]).unwrap();
        assert!(c.pseudonyms.is_some());
        for bad in ["too-short", &format!("{key},{key}")] {
            let error = config(&[("BELCO_PSEUDONYM_KEY", bad)]).unwrap_err();
            assert_eq!(error.var, "BELCO_PSEUDONYM_KEY");
            assert!(!error.to_string().contains(bad), "never repeated: {error}");
        }
    }

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
    fn the_push_body_limit_reads_bytes_and_binary_units() {
        for (raw, bytes) in [("500000", 500_000), ("512KiB", 512 * 1024), ("2 MiB", 2 << 20), ("64MiB", 64 << 20)] {
            assert_eq!(config(&[("BELCO_PUSH_MAX_BYTES", raw)]).unwrap().push_max_bytes, bytes, "{raw}");
        }
        for raw in ["100", "65MiB", "2MB", "2.5MiB", "lots", "-1", "99999999999999999999MiB"] {
            let err = config(&[("BELCO_PUSH_MAX_BYTES", raw)]).unwrap_err();
            assert_eq!(err.var, "BELCO_PUSH_MAX_BYTES", "{raw}");
        }
    }

    #[test]
    fn reads_limits() {
        let c = config(&[
            ("BELCO_HEADER_TIMEOUT", "5s"),
            ("BELCO_REQUEST_TIMEOUT", "1m"),
            ("BELCO_MAX_CONCURRENT_REQUESTS", "64"),
            ("BELCO_DB_ACQUIRE_TIMEOUT", "2"),
            ("BELCO_DB_STATEMENT_TIMEOUT", "30s"),
            ("BELCO_TOKEN_FAILURES_PER_MINUTE", "3"),
            ("BELCO_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,::1"),
            ("BELCO_MAX_REQUESTS_PER_CLIENT", "32"),
            ("BELCO_BODY_TIMEOUT", "3s"),
            ("BELCO_WRITE_TIMEOUT", "2m"),
            ("BELCO_MAX_CONNECTIONS", "4096"),
        ])
        .unwrap();
        let l = c.limits;
        assert_eq!((l.max_requests_per_client, l.max_connections), (32, 4096));
        assert_eq!((l.body_timeout, l.write_timeout), (Duration::from_secs(3), Duration::from_secs(120)));
        assert_eq!((l.header_timeout, l.request_timeout), (Duration::from_secs(5), Duration::from_secs(60)));
        assert_eq!((l.max_concurrent_requests, l.token_failures_per_minute), (64, 3));
        assert_eq!((l.db_acquire_timeout, l.db_statement_timeout), (Duration::from_secs(2), Duration::from_secs(30)));
        let proxies: Vec<String> = l.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(proxies, ["10.0.0.0/8", "192.168.1.7/32", "::1/128"]);
    }

    #[test]
    fn a_bodys_deadline_stays_within_the_requests() {
        // Unset, it follows a shorter request deadline; set, it must be shorter.
        let short = config(&[("BELCO_REQUEST_TIMEOUT", "4s")]).unwrap().limits;
        assert_eq!(short.body_timeout, Duration::from_secs(2));
        assert_eq!(config(&[]).unwrap().limits.body_timeout, DEFAULT_BODY_TIMEOUT);
        let err = config(&[("BELCO_REQUEST_TIMEOUT", "4s"), ("BELCO_BODY_TIMEOUT", "4s")]).unwrap_err();
        assert_eq!(err.var, "BELCO_BODY_TIMEOUT");
        assert!(err.problem.contains("shorter than BELCO_REQUEST_TIMEOUT (4 s)"), "{err}");
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
    fn the_access_log_is_on_and_kept_90_days_unless_told() {
        let c = config(&[]).unwrap();
        assert!(c.access_log);
        assert_eq!(c.access_retention, Duration::from_secs(90 * 86_400));
        let c = config(&[("BELCO_ACCESS_LOG", "off"), ("BELCO_ACCESS_RETENTION", "30d")]).unwrap();
        assert!(!c.access_log);
        assert_eq!(c.access_retention, Duration::from_secs(30 * 86_400));
        assert_eq!(
            config(&[("BELCO_ACCESS_RETENTION", "7")]).unwrap().access_retention,
            Duration::from_secs(7 * 86_400)
        );
        for bad in ["0d", "3651", "2w", "-1"] {
            assert_eq!(config(&[("BELCO_ACCESS_RETENTION", bad)]).unwrap_err().var, "BELCO_ACCESS_RETENTION", "{bad}");
        }
        assert_eq!(config(&[("BELCO_ACCESS_LOG", "sometimes")]).unwrap_err().var, "BELCO_ACCESS_LOG");
    }

    #[test]
    fn a_forms_webhook_needs_its_secret_set_and_well_formed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.toml");
        std::fs::write(
            &path,
            "[[form]]\nid = \"r\"\ntitle = \"R\"\nscope = \"customer\"\n\
             webhook = { url = \"https://shop.example/h\", secret = \"HOOK_SECRET\" }\n\
             [[form.field]]\nname = \"x\"\nlabel = \"X\"\ntype = \"text\"\n",
        )
        .unwrap();
        let forms = path.to_str().unwrap();
        let error = config(&[("BELCO_FORMS", forms)]).expect_err("no secret").to_string();
        assert!(
            error.starts_with(
                "BELCO_FORMS: form \"r\" signs its webhook with the secret in HOOK_SECRET, which is not set"
            ),
            "{error}"
        );
        let error = config(&[("BELCO_FORMS", forms), ("HOOK_SECRET", "hunter2")]).expect_err("bad").to_string();
        assert!(error.contains("HOOK_SECRET (the webhook secret of form \"r\") must be \"whsec_\""), "{error}");
        assert!(!error.contains("hunter2"), "the secret is never repeated: {error}");
        let secret = belco::push::generate_secret();
        let c = config(&[("BELCO_FORMS", forms), ("HOOK_SECRET", &secret)]).unwrap();
        assert!(c.webhooks.signers.contains_key("HOOK_SECRET"));
        assert_eq!(c.webhooks.schedule, belco::deliveries::Schedule::default());
        assert_eq!(c.webhooks.timeout, Duration::from_secs(10));
        let c = config(&[
            ("BELCO_FORMS", forms),
            ("HOOK_SECRET", &secret),
            ("BELCO_WEBHOOK_ATTEMPTS", "3"),
            ("BELCO_WEBHOOK_RETRY", "1m"),
            ("BELCO_WEBHOOK_TIMEOUT", "5s"),
        ])
        .unwrap();
        assert_eq!((c.webhooks.schedule.attempts, c.webhooks.schedule.first_retry), (3, Duration::from_secs(60)));
        assert_eq!(c.webhooks.timeout, Duration::from_secs(5));
        for (var, value) in
            [("BELCO_WEBHOOK_ATTEMPTS", "0"), ("BELCO_WEBHOOK_TIMEOUT", "1h"), ("BELCO_WEBHOOK_RETRY", "soon")]
        {
            let error = config(&[(var, value)]).expect_err(var).to_string();
            assert!(error.starts_with(var), "{error}");
        }
    }

    #[test]
    fn the_preview_is_on_only_where_it_is_asked_for() {
        const PREVIEW: (&str, &str) = ("BELCO_PREVIEW_TOKEN", "preview-token-cccccccccccc");
        assert_eq!(config(&[PREVIEW]).unwrap().preview_on(), cfg!(debug_assertions), "a release build: off");
        for on in ["on", "ON", "true", "1"] {
            assert!(config(&[("BELCO_PREVIEW", on), PREVIEW]).unwrap().preview_on(), "{on}");
        }
        for off in ["off", "false", "0"] {
            assert!(!config(&[("BELCO_PREVIEW", off), PREVIEW]).unwrap().preview_on(), "{off}");
        }
        let error = config(&[("BELCO_PREVIEW", "maybe")]).unwrap_err();
        assert_eq!(error.var, "BELCO_PREVIEW");
        assert!(error.problem.contains("maybe"), "{error}");
        // Never without a token of its own (`serve` refuses to start so; `demo` makes one).
        let tokenless = config(&[("BELCO_PREVIEW", "on")]).unwrap();
        assert!(!tokenless.preview_on() && tokenless.preview_tokens().is_none());
    }

    #[test]
    fn the_preview_token_is_never_a_shop_token() {
        let shop = ("BELCO_TOKENS", "aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb");
        let error = config(&[shop, ("BELCO_PREVIEW_TOKEN", "bbbbbbbbbbbbbbbb")]).unwrap_err();
        assert_eq!(error.var, "BELCO_PREVIEW_TOKEN");
        assert!(error.problem.contains("BELCO_TOKENS"), "{error}");
        assert!(!error.to_string().contains("bbbbbbbbbbbbbbbb"), "never repeated: {error}");
        for bad in ["short", "cccccccccccccccc,dddddddddddddddd", "has spaces in it, sadly"] {
            assert_eq!(config(&[shop, ("BELCO_PREVIEW_TOKEN", bad)]).unwrap_err().var, "BELCO_PREVIEW_TOKEN");
        }
        let c = config(&[shop, ("BELCO_PREVIEW", "on"), ("BELCO_PREVIEW_TOKEN", "cccccccccccccccc")]).unwrap();
        assert!(c.preview_tokens().is_some_and(|t| t.accepts(Some(b"cccccccccccccccc"))));
        assert!(!c.tokens.unwrap().accepts(Some(b"cccccccccccccccc")));
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
