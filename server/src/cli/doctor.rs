//! `belco-panel doctor [BASE_URL]`: the URLs to paste into Belco, and a plain verdict on a
//! running deployment (this machine's by default), one line per check, each failure with its
//! reason and a fix. It reads the same configuration as `serve` (the environment and `.env`),
//! so run it where the server runs, with the server's settings.
//!
//! It sends what Belco sends: the orders API and the frame with the first token of
//! `BELCO_TOKENS` (only over https or to this machine: see [`token_may_go_to`]), once more with
//! a made-up token, and an unsigned push. Nothing is written
//! (the database check's write is rolled back); the two refused calls count against this
//! machine's failed-token budget like any others (two of `BELCO_TOKEN_FAILURES_PER_MINUTE`).
//! With the database checked, it says whether any form webhook delivery has failed. It asks the
//! inspector whether requests came through a proxy that is not trusted (`BELCO_TRUSTED_PROXIES`).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use belco::secret::generate_token;
use belco::store::{DeliveryState, Store};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::calls::printable;
use crate::config::Config;

/// A customer nobody has: the orders API must answer it with an empty list.
const NOBODY: &str = "doctor-check@belco-panel.invalid";

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    Fail { reason: String, fix: String },
    Skip(String),
}

fn fail(reason: impl Into<String>, fix: impl Into<String>) -> Verdict {
    Verdict::Fail { reason: reason.into(), fix: fix.into() }
}

/// What the doctor found: its checks in order, and the URLs to paste.
#[derive(Debug)]
pub struct Report {
    pub base: String,
    pub paste: Vec<(&'static str, String)>,
    pub checks: Vec<(&'static str, Verdict)>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.checks.iter().filter(|(_, v)| matches!(v, Verdict::Fail { .. })).count()
    }

    pub fn render(&self) -> String {
        let mut out = format!("belco-panel doctor: {}\n\n", self.base);
        if !self.paste.is_empty() {
            out.push_str("Paste into Belco, Settings → Integrations → Other:\n");
            for (name, url) in &self.paste {
                let _ = writeln!(out, "  {name:<14} {url}");
            }
            out.push('\n');
        }
        // A verdict may quote the server's answers or a receiver's error: made printable.
        for (name, verdict) in &self.checks {
            let _ = match verdict {
                Verdict::Pass(what) => writeln!(out, "  PASS  {name:<20} {}", printable(what)),
                Verdict::Skip(why) => writeln!(out, "  SKIP  {name:<20} {}", printable(why)),
                Verdict::Fail { reason, fix } => {
                    writeln!(
                        out,
                        "  FAIL  {name:<20} {}\n        {:<20} fix: {}",
                        printable(reason),
                        "",
                        printable(fix)
                    )
                }
            };
        }
        let passed = self.checks.iter().filter(|(_, v)| matches!(v, Verdict::Pass(_))).count();
        let _ = writeln!(out, "\n{passed} passed, {} failed", self.failed());
        out
    }
}

/// Runs every check against `base` (default: `http://LEPTOS_SITE_ADDR`).
pub async fn examine(config: &Config, site_addr: std::net::SocketAddr, base: Option<&str>) -> Report {
    let local = base.is_none();
    let base = crate::config::base_url(site_addr, base);
    let token = crate::config::first_token();
    let paste_base = config.public_url.clone().unwrap_or_else(|| base.clone());
    let shown = token.as_deref().unwrap_or("<a token from BELCO_TOKENS>");
    let paste = vec![
        ("Custom frame:", format!("{paste_base}/frame?token={shown}")),
        ("Custom orders:", format!("{paste_base}/api/v1.0/orders?token={shown}")),
    ];
    let client = match http_client() {
        Ok(client) => client,
        Err(problem) => {
            let checks = vec![(
                "https",
                fail(problem, "BELCO_DOCTOR_CA names a PEM file of the CA that signed the server's certificate"),
            )];
            return Report { base, paste, checks };
        }
    };
    let mut doctor = Doctor { config, base: base.clone(), client, checks: Vec::new() };
    doctor.run(token.as_deref(), local).await;
    doctor.check("pseudonym key", pseudonym_key(config));
    Report { base, paste, checks: doctor.checks }
}

/// `BELCO_PSEUDONYM_KEY` here: the access log's records are keyed with it, and the GDPR
/// commands find them with it, so this shell needs the server's.
fn pseudonym_key(config: &Config) -> Verdict {
    match (&config.pseudonyms, config.access_log) {
        (Some(_), _) => Verdict::Pass(
            "BELCO_PSEUDONYM_KEY is set here: `access`, `customer export` and `customer erase` find the records \
             keyed with it (it must be the server's, and never rotates)"
                .into(),
        ),
        (None, false) => Verdict::Skip("the access log is off (BELCO_ACCESS_LOG=off)".into()),
        (None, true) => fail(
            "BELCO_PSEUDONYM_KEY is not set here: `serve` does not start without it while the access log is on, and \
             the GDPR commands cannot find a customer's access records",
            "give this shell the server's BELCO_PSEUDONYM_KEY (the same .env); a new one: `belco-panel token`",
        ),
    }
}

/// Whether the shop token may be sent to `url`: over https to anywhere, and over plain http only
/// to this machine (127.0.0.0/8, ::1 or `localhost`), where it does not cross a network. Decided
/// on the host as the `url` crate parsed it, the one the request goes to, so that
/// `127.0.0.1.evil.example` or `127.0.0.1@evil.example` is another machine. Otherwise the sentence
/// says why not. The default base, this machine's `LEPTOS_SITE_ADDR`, needs no asking.
pub fn token_may_go_to(url: &url::Url) -> Result<(), String> {
    let this_machine = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if this_machine => Ok(()),
        "http" => Err(format!(
            "the token would cross the network in clear over http to {}; give the https URL",
            url.host_str().unwrap_or("another machine")
        )),
        scheme => Err(format!("{scheme}: is not http or https; give the https URL")),
    }
}

/// The CLI's HTTP client: a 10 s timeout, no redirects. Certificates are checked against the
/// public CAs (webpki roots), and against the one in `BELCO_DOCTOR_CA` (PEM) when set: a private
/// CA, or a test certificate.
pub fn http_client() -> Result<reqwest::Client, String> {
    let mut builder =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).redirect(reqwest::redirect::Policy::none());
    if let Some(path) = crate::config::doctor_ca() {
        let pem = std::fs::read(&path).map_err(|e| format!("BELCO_DOCTOR_CA: {}: {e}", path.display()))?;
        let ca =
            reqwest::Certificate::from_pem(&pem).map_err(|e| format!("BELCO_DOCTOR_CA: {}: {e}", path.display()))?;
        builder = builder.add_root_certificate(ca);
    }
    builder.build().map_err(|e| format!("no HTTP client: {e}"))
}

struct Doctor<'a> {
    config: &'a Config,
    base: String,
    client: reqwest::Client,
    checks: Vec<(&'static str, Verdict)>,
}

/// An answer, read whole.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    took: Duration,
}

impl Doctor<'_> {
    async fn get(&self, path_and_query: &str) -> Result<Answer, String> {
        self.send(self.client.get(format!("{}{path_and_query}", self.base))).await
    }

    /// Errors are text without the URL (it carries the token), with their causes.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, String> {
        let started = Instant::now();
        let response = request.send().await.map_err(error_text)?;
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.text().await.map_err(error_text)?;
        Ok(Answer { status, headers, body, took: started.elapsed() })
    }

    fn check(&mut self, name: &'static str, verdict: Verdict) {
        self.checks.push((name, verdict));
    }

    async fn run(&mut self, token: Option<&str>, local: bool) {
        let url = url::Url::parse(&self.base);
        let Ok(url) = url else {
            self.check(
                "reachable",
                fail(format!("{} is not a URL", self.base), "give a base URL such as https://panel.shop.example"),
            );
            return;
        };
        let https = url.scheme() == "https";
        // The token goes only where it does not cross a network in clear.
        // The default (LEPTOS_SITE_ADDR) too: a .env copied from another machine may point there.
        let token_gate = token_may_go_to(&url);
        let loopback = !https && token_gate.is_ok();

        // Reachable, and over https with a valid certificate when the URL says so.
        match self.get("/healthz").await {
            Ok(answer) if answer.status.is_success() => {
                self.check(
                    "reachable",
                    Verdict::Pass(format!(
                        "/healthz answered {} in {} ms",
                        answer.status.as_u16(),
                        answer.took.as_millis()
                    )),
                );
            }
            Ok(answer) => {
                let status = answer.status.as_u16();
                self.check(
                    "reachable",
                    fail(
                        format!(
                            "/healthz answered {status}: this is not belco-panel, or a proxy in front answers for it"
                        ),
                        "point the URL (or the proxy's upstream) at belco-panel's LEPTOS_SITE_ADDR",
                    ),
                );
                return;
            }
            Err(e) => {
                let text = e;
                if https
                    && (text.contains("certificate") || text.contains("Certificate") || text.contains("UnknownIssuer"))
                {
                    self.check(
                        "https",
                        fail(
                            format!("the certificate is not valid for {}: {text}", url.host_str().unwrap_or("")),
                            "serve a certificate from a public CA for this host name (Caddy or certbot do it)",
                        ),
                    );
                } else {
                    self.check(
                        "reachable",
                        fail(
                            format!("cannot reach {}: {text}", self.base),
                            "start it (`belco-panel serve`), or check the address, the port and the firewall",
                        ),
                    );
                }
                return;
            }
        }
        self.check(
            "https",
            if https {
                Verdict::Pass(format!("the certificate is valid for {}", url.host_str().unwrap_or("")))
            } else if loopback {
                Verdict::Skip("http on this machine; Belco needs the https address (BELCO_PUBLIC_URL)".into())
            } else {
                fail(
                    "plain http: Belco's page is https, so the browser blocks an http frame, and the token would cross the network in clear (the doctor does not send it)",
                    "put belco-panel behind a TLS proxy (docs/operating.md, Deployment) and give its https URL",
                )
            },
        );

        // Ready: the database answers.
        match self.get("/readyz").await {
            Ok(answer) if answer.status.is_success() => {
                let storage = json_field(&answer.body, "storage").unwrap_or_default();
                self.check("ready", Verdict::Pass(format!("the database answers ({storage})")));
            }
            Ok(answer) => {
                let reason = json_field(&answer.body, "reason")
                    .unwrap_or_else(|| format!("/readyz answered {}", answer.status.as_u16()));
                self.check(
                    "ready",
                    fail(format!("not ready: {reason}"), "check DATABASE_URL on the server and that the database runs"),
                );
            }
            Err(e) => self.check("ready", fail(format!("/readyz: {}", e), "see `reachable`")),
        }

        // The token: the right one accepted, a made-up one refused.
        let Some(token) = token else {
            self.check(
                "token accepted",
                fail(
                    "BELCO_TOKENS is not set here, so the doctor cannot call as Belco does",
                    "run it with the server's settings (the same .env)",
                ),
            );
            return self.push_and_database(local).await;
        };
        if let Err(why) = token_gate {
            return self.token_not_sent(&why, local).await;
        }
        let orders = self.get(&format!("/api/v1.0/orders?token={}&email={NOBODY}", encode(token))).await;
        match &orders {
            Ok(answer) if answer.status == StatusCode::OK => {
                self.check("token accepted", Verdict::Pass("the orders API answers 200 to the first token of BELCO_TOKENS".into()));
            }
            Ok(answer) if answer.status == StatusCode::UNAUTHORIZED => self.check(
                "token accepted",
                fail(
                    "the server refused the first token of BELCO_TOKENS",
                    "give the server and this shell the same BELCO_TOKENS (several comma-separated tokens are all accepted)",
                ),
            ),
            Ok(answer) => self.check("token accepted", fail(format!("the orders API answered {}", answer.status.as_u16()), "see the server's log")),
            Err(e) => self.check("token accepted", fail(e.clone(), "see `reachable`")),
        }
        self.wrong_token_refused().await;

        let accepted = matches!(&orders, Ok(answer) if answer.status == StatusCode::OK);
        // The orders answer, in Belco's shape.
        match orders {
            Ok(answer) if answer.status == StatusCode::OK => {
                let content_type = answer.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
                let verdict =
                    match (content_type.starts_with("application/json"), belco::contract::orders_shape(&answer.body)) {
                        (true, Ok(n)) => Verdict::Pass(format!(
                            "{{\"orders\":[…]}} as Belco reads it ({n} orders for a customer nobody has)"
                        )),
                        (false, _) => fail(
                            format!("Content-Type is {content_type:?}, not application/json"),
                            "a proxy in front may rewrite it: pass it through",
                        ),
                        (true, Err(problem)) => {
                            fail(problem, "see the server's log; a proxy in front may rewrite the body")
                        }
                    };
                self.check("orders shape", verdict);
            }
            _ => self.check("orders shape", Verdict::Skip("needs an accepted token".into())),
        }

        // The frame's headers, as Belco's page needs them.
        match self.get(&format!("/frame?token={}", encode(token))).await {
            Ok(answer) if answer.status == StatusCode::OK => {
                let verdict = frame_headers(&answer.headers, &self.config.belco_origin);
                self.check("frame headers", verdict);
            }
            Ok(answer) => self.check(
                "frame headers",
                fail(format!("the frame answered {}", answer.status.as_u16()), "see `token accepted`"),
            ),
            Err(e) => self.check("frame headers", fail(e, "see `reachable`")),
        }
        // Asked only with a token the server accepts: a refused one would spend another of this
        // machine's failed-token budget.
        let verdict = if accepted { self.proxy(token).await } else { Verdict::Skip("needs an accepted token".into()) };
        self.check("trusted proxy", verdict);
        let verdict = self.preview().await;
        self.check("preview", verdict);
        self.push_and_database(local).await;
    }

    /// The preview (`/preview`) answers the preview's own token, `BELCO_PREVIEW_TOKEN`, when it
    /// is on; it never takes a shop token, so none is tried (a refusal would spend another of
    /// this machine's failed-token budget). Sent only where the shop token may go.
    async fn preview(&self) -> Verdict {
        let Some(token) = crate::config::preview_token_to_send() else {
            return Verdict::Skip("BELCO_PREVIEW_TOKEN is not set here".into());
        };
        match self.get(&format!("/preview?preview_token={}", encode(&token))).await {
            Ok(answer) if answer.status == StatusCode::OK => {
                Verdict::Pass("on, and it opens with BELCO_PREVIEW_TOKEN (never with a shop token)".into())
            }
            Ok(answer) if answer.status == StatusCode::NOT_FOUND => {
                Verdict::Skip("off on the server (BELCO_PREVIEW is off there)".into())
            }
            Ok(answer) if answer.status == StatusCode::UNAUTHORIZED => fail(
                "the server refused BELCO_PREVIEW_TOKEN",
                "give the server and this shell the same BELCO_PREVIEW_TOKEN",
            ),
            Ok(answer) => fail(format!("the preview answered {}", answer.status.as_u16()), "see the server's log"),
            Err(e) => fail(e, "see `reachable`"),
        }
    }

    /// The checks that would send the token, when it may not go to this base: the token's one
    /// fails with why (Belco could not use this URL either), the ones that need it are skipped;
    /// the made-up token, the push and the database are checked as usual.
    async fn token_not_sent(&mut self, why: &str, local: bool) {
        self.check(
            "token accepted",
            fail(
                format!("not sent: {why}"),
                "put belco-panel behind a TLS proxy (docs/operating.md, Deployment) and give its https URL, or run the doctor on the server's machine without a URL",
            ),
        );
        self.wrong_token_refused().await;
        self.check("orders shape", Verdict::Skip("needs an accepted token".into()));
        self.check("frame headers", Verdict::Skip("not asked: the frame's URL carries the token".into()));
        self.check("preview", Verdict::Skip("not asked: its URL carries the preview's token".into()));
        self.push_and_database(local).await;
    }

    /// A made-up token (never the shop's, so it may go anywhere) is refused.
    async fn wrong_token_refused(&mut self) {
        let made_up = generate_token();
        match self.get(&format!("/api/v1.0/orders?token={made_up}&email={NOBODY}")).await {
            Ok(answer) if answer.status == StatusCode::UNAUTHORIZED => {
                self.check("wrong token refused", Verdict::Pass("a made-up token gets 401".into()));
            }
            Ok(answer) => self.check(
                "wrong token refused",
                fail(
                    format!("a made-up token got {}: anyone could read the orders", answer.status.as_u16()),
                    "set BELCO_TOKENS on the server",
                ),
            ),
            Err(e) => self.check("wrong token refused", fail(e, "see `reachable`")),
        }
    }

    /// Whether requests reach the server through a proxy it does not trust: then every client
    /// behind it is one address to the failed-token throttle and the per-client cap, and one
    /// agent's typos lock out the whole office. The server notes such requests; the inspector's
    /// listing says so (`untrusted_proxy`).
    async fn proxy(&self, token: &str) -> Verdict {
        let answer = match self.get(&format!("/api/inspector/calls?token={}", encode(token))).await {
            Ok(answer) if answer.status == StatusCode::OK => answer,
            Ok(answer) => return Verdict::Skip(format!("the inspector answered {}", answer.status.as_u16())),
            Err(e) => return Verdict::Skip(format!("cannot ask the inspector: {e}")),
        };
        let Ok(listing) = serde_json::from_str::<Value>(&answer.body) else {
            return Verdict::Skip("the inspector's answer is not JSON".into());
        };
        untrusted_proxy(&listing)
    }

    async fn push_and_database(&mut self, local: bool) {
        // The push API: on or off as configured here.
        let push = self.send(self.client.post(format!("{}/api/v1.0/orders", self.base)).body("{}")).await;
        let configured = self.config.push.is_some();
        let verdict = match push.map(|a| a.status) {
            Ok(StatusCode::FORBIDDEN) if !configured => {
                Verdict::Pass("off, as configured (no BELCO_PUSH_SECRET)".into())
            }
            Ok(StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST) if configured => {
                Verdict::Pass("on, and an unsigned push is refused".into())
            }
            Ok(StatusCode::FORBIDDEN) => fail(
                "the server's push API is off, but BELCO_PUSH_SECRET is set here",
                "give the server the same BELCO_PUSH_SECRET, or unset it here",
            ),
            Ok(StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST) => fail(
                "the server's push API is on, but BELCO_PUSH_SECRET is not set here",
                "run the doctor with the server's settings, or unset BELCO_PUSH_SECRET on the server",
            ),
            Ok(status) => fail(
                format!("an unsigned push got {}", status.as_u16()),
                "an unsigned push must be refused: see the server's log",
            ),
            Err(e) => fail(e, "see `reachable`"),
        };
        self.check("push API", verdict);

        // The database, when it is this machine's: migrated, and writable.
        if !local && !crate::config::database_url_is_set() {
            self.check(
                "database",
                Verdict::Skip("DATABASE_URL is not set here: run the doctor on the server's host to check it".into()),
            );
            return;
        }
        let verdict = match belco::store::examine(self.config.database_url.expose()).await {
            Err(e) => fail(
                format!("cannot open DATABASE_URL: {}", e.kind()),
                "check DATABASE_URL, and that the database runs (and, for SQLite, that the file exists)",
            ),
            Ok(found) if found.applied < found.known => fail(
                format!("{} of {} migrations applied", found.applied, found.known),
                "start belco-panel once on it: it migrates at start",
            ),
            Ok(found) => match found.writable {
                Ok(()) if local => Verdict::Pass(format!(
                    "migrated ({} of {}) and writable ({})",
                    found.applied, found.known, found.backend
                )),
                // Another machine's server: what is checked is the database DATABASE_URL names here.
                Ok(()) => Verdict::Pass(format!(
                    "this machine's DATABASE_URL: migrated ({} of {}) and writable ({})",
                    found.applied, found.known, found.backend
                )),
                Err(reason) => fail(
                    format!("cannot write to it: {reason}"),
                    "give the database user INSERT, UPDATE and DELETE (PostgreSQL), or make the SQLite file and its folder writable by the service's user",
                ),
            },
        };
        let migrated = matches!(verdict, Verdict::Pass(_));
        self.check("database", verdict);
        if migrated {
            let verdict = self.webhooks().await;
            self.check("form webhooks", verdict);
        }
    }

    /// The forms' webhook deliveries in the database checked above: none failed.
    async fn webhooks(&self) -> Verdict {
        let forms = self.config.forms.webhooks().len();
        let store =
            match Store::connect_with(self.config.database_url.expose(), self.config.limits.store_options()).await {
                Ok(store) => store,
                Err(e) => return fail(format!("cannot open DATABASE_URL: {}", e.kind()), "see `database`"),
            };
        let found = async {
            let failed = store.deliveries(Some(DeliveryState::Failed), 1000).await?;
            let pending = store.deliveries(Some(DeliveryState::Pending), 1000).await?;
            Ok::<_, belco::store::StoreError>((failed, pending))
        }
        .await;
        store.close().await;
        match found {
            Err(e) => fail(format!("cannot read the deliveries: {}", e.kind()), "see `database`"),
            Ok((failed, _)) if !failed.is_empty() => fail(
                format!(
                    "{} deliveries failed; the newest to {}: {}",
                    failed.len(),
                    failed[0].form_id,
                    failed[0].last_error.as_deref().unwrap_or("no answer")
                ),
                "fix the receiver (belco-panel deliveries --failed lists them), then run belco-panel deliveries retry --failed",
            ),
            Ok((_, pending)) if forms == 0 && pending.is_empty() => {
                Verdict::Skip("no form of the forms file names a webhook".into())
            }
            Ok((_, pending)) => Verdict::Pass(format!(
                "{forms} forms send to a webhook; {} deliveries on their way, none failed",
                pending.len()
            )),
        }
    }
}

/// The verdict on the inspector listing's `untrusted_proxy` (`null`, or `{"peer", "requests"}`).
fn untrusted_proxy(listing: &Value) -> Verdict {
    let Some(seen) = listing.get("untrusted_proxy") else {
        return Verdict::Skip("this server does not say whether a proxy forwards to it (an older version)".into());
    };
    let requests = seen.get("requests").and_then(Value::as_u64).unwrap_or(0);
    // An address, or nothing: the server's text is never advice of its own.
    let peer = seen.get("peer").and_then(Value::as_str).and_then(|p| p.parse::<std::net::IpAddr>().ok());
    match peer {
        Some(peer) if requests > 0 => fail(
            format!(
                "{requests} requests came from {peer} with X-Forwarded-For, which BELCO_TRUSTED_PROXIES does not name: \
                 if it is your reverse proxy, every client behind it counts as that one address (failed tokens, \
                 requests at once)"
            ),
            format!(
                "if {peer} is your own reverse proxy, set BELCO_TRUSTED_PROXIES={peer} on the server (and restart \
                 it); if it is not, a client wrote the header itself: trust only your proxy's address, never a client's"
            ),
        ),
        _ => Verdict::Pass("no request came through a proxy that is not trusted".into()),
    }
}

/// The headers Belco's page needs on the frame (the names they go by, what each should say).
fn frame_headers(headers: &HeaderMap, origin: &str) -> Verdict {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut missing = Vec::new();
    let policy = get("content-security-policy");
    let ancestors = policy.split(';').map(str::trim).find_map(|d| d.strip_prefix("frame-ancestors "));
    match ancestors {
        None => missing.push("Content-Security-Policy with frame-ancestors".to_owned()),
        Some(list) if !list.split_whitespace().any(|o| o == origin) => {
            missing.push(format!("frame-ancestors naming {origin} (it names {list})"));
        }
        Some(_) => {}
    }
    if get("x-content-type-options") != "nosniff" {
        missing.push("X-Content-Type-Options: nosniff".into());
    }
    if get("referrer-policy") != "no-referrer" {
        missing.push("Referrer-Policy: no-referrer (the URL carries the token)".into());
    }
    if !get("cache-control").contains("no-store") {
        missing.push("Cache-Control: no-store (the page holds customer data)".into());
    }
    if missing.is_empty() {
        Verdict::Pass(format!("frame-ancestors {origin}, nosniff, no-referrer, no-store"))
    } else {
        fail(
            format!("missing: {}", missing.join("; ")),
            "a proxy in front may drop or replace them: pass the upstream's headers through (docs/operating.md, Deployment); check BELCO_ORIGIN",
        )
    }
}

fn json_field(body: &str, name: &str) -> Option<String> {
    serde_json::from_str::<Value>(body).ok()?.get(name)?.as_str().map(str::to_owned)
}

/// An error and its causes, without the URL (it carries the token).
fn error_text(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn may_go(url: &str) -> Result<(), String> {
        token_may_go_to(&url::Url::parse(url).expect("a URL"))
    }

    #[test]
    fn the_token_goes_over_https_or_to_this_machine_only() {
        for ok in [
            "http://127.0.0.1:3000",
            "http://127.5.6.7",
            "http://[::1]:3000/",
            "http://localhost:3000",
            "http://LOCALHOST",
            "http://0x7f.1",
            "https://panel.shop.example",
            "https://192.0.2.7:8443",
            "https://[2001:db8::1]",
        ] {
            assert_eq!(may_go(ok), Ok(()), "{ok}");
        }
        for refused in [
            "http://panel.shop.example",
            "http://192.0.2.7:3000",
            "http://[2001:db8::1]",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://[::ffff:127.0.0.1]",
            "http://127.0.0.1@evil.example",
            "http://localhost:x@evil.example:3000",
            "http://evil.example#@127.0.0.1",
            "http://evil.example?@localhost",
            "http://0.0.0.0:3000",
            "ftp://127.0.0.1",
        ] {
            let why = may_go(refused).expect_err(refused);
            assert!(why.contains("give the https URL"), "{refused}: {why}");
        }
        assert!(may_go("http://127.0.0.1@evil.example").is_err_and(|why| why.contains(" to evil.example;")));
        let why = may_go("http://panel.shop.example:3000").expect_err("http");
        assert_eq!(
            why,
            "the token would cross the network in clear over http to panel.shop.example; give the https URL"
        );
    }

    #[test]
    fn an_untrusted_proxy_fails_with_the_address_to_trust() {
        let verdict = untrusted_proxy(&serde_json::json!({"untrusted_proxy": {"peer": "10.0.0.5", "requests": 12}}));
        let Verdict::Fail { reason, fix } = verdict else { panic!("{verdict:?}") };
        assert!(reason.starts_with("12 requests came from 10.0.0.5 with X-Forwarded-For"), "{reason}");
        assert!(fix.starts_with("if 10.0.0.5 is your own reverse proxy, set BELCO_TRUSTED_PROXIES=10.0.0.5"), "{fix}");
        assert!(fix.contains("never a client's"), "{fix}");
        // What the server says is never advice of its own: a peer that is no address is not quoted.
        let hostile = serde_json::json!({"untrusted_proxy": {"peer": "x; rm -rf /\u{1b}[2J", "requests": 3}});
        assert!(matches!(untrusted_proxy(&hostile), Verdict::Pass(_)));
        assert!(matches!(untrusted_proxy(&serde_json::json!({"untrusted_proxy": null})), Verdict::Pass(_)));
        assert!(matches!(untrusted_proxy(&serde_json::json!({"calls": []})), Verdict::Skip(_)));
    }

    #[test]
    fn the_pseudonym_key_is_asked_for_while_the_access_log_is_on() {
        let config = |vars: &[(&str, &str)]| {
            let vars: std::collections::HashMap<String, String> =
                vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Config::from_lookup(|name| vars.get(name).cloned()).expect("config")
        };
        let key = "p".repeat(40);
        assert!(matches!(pseudonym_key(&config(&[("BELCO_PSEUDONYM_KEY", &key)])), Verdict::Pass(_)));
        let Verdict::Fail { reason, fix } = pseudonym_key(&config(&[])) else { panic!("not a failure") };
        assert!(reason.starts_with("BELCO_PSEUDONYM_KEY is not set here"), "{reason}");
        assert!(fix.contains("belco-panel token"), "{fix}");
        assert!(matches!(pseudonym_key(&config(&[("BELCO_ACCESS_LOG", "off")])), Verdict::Skip(_)));
    }
}
